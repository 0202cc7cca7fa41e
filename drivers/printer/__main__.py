"""``python -m drivers.printer render JOB OUT.png``: what a captured ESC/POS job looks like on paper.

For field technicians (a capture from ``spy://``, a file another program wrote) and for tests.
JOB is raw bytes, or hex text with ``--hex`` (whitespace, ``0x``, ``:`` and ``#`` comments allowed;
``-`` reads standard input). Every cut becomes one PNG: ``OUT.png`` for the first, ``OUT-2.png`` and so on for
the rest; bytes after the last cut become a final page too. Commands the simulated printer skipped
are listed on standard error with their offset, so a job from another program can be checked.
Exit status: 0 when at least one page was rendered, 1 when the job printed nothing, 2 for usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drivers.framing import parse_hex
from drivers.printer.paper import FontNotFound
from drivers.printer.simulator import PrinterSimulator


def _read_job(path: str, as_hex: bool) -> bytes:
    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    if not as_hex:
        return raw
    text = raw.decode("ascii", errors="replace")
    return parse_hex("\n".join(line.split("#", 1)[0] for line in text.splitlines()))


def _page_path(out: Path, index: int) -> Path:
    return out if index == 1 else out.with_name(f"{out.stem}-{index}{out.suffix or '.png'}")


def render(job: bytes, out: Path, *, width: int = 576, font: str | None = None) -> list[Path]:
    """Render ``job`` and write one PNG per page; returns the paths written."""
    sim = PrinterSimulator(width, font=font)
    try:
        sim.receive(job)
        sim.finish()
        written = []
        for page in sim.pages:
            path = _page_path(out, page.index)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(page.png)
            written.append(path)
            state = "cut" if page.complete else page.reason
            print(f"{path}: {page.width}x{page.height} dots, {state}", file=sys.stderr)
        for skipped in sim.skipped:
            print(f"skipped at byte {skipped.offset}: {skipped.data.hex(' ')} ({skipped.length} bytes): "
                  f"{skipped.reason}", file=sys.stderr)
        return written
    finally:
        sim.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.printer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    render_cmd = commands.add_parser("render", help="render a captured job to PNG")
    render_cmd.add_argument("job", help="file with the job's bytes ('-': standard input)")
    render_cmd.add_argument("out", type=Path, help="PNG to write (more pages: OUT-2.png, ...)")
    render_cmd.add_argument("--hex", action="store_true", help="the job file is hex text")
    render_cmd.add_argument("--width", type=int, choices=(384, 576), default=576, help="paper width in dots")
    render_cmd.add_argument("--font", help="CJK font file (default: WenQuanYi Micro Hei or fontconfig's choice)")
    args = parser.parse_args(argv)
    try:
        job = _read_job(args.job, args.hex)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    try:
        written = render(job, args.out, width=args.width, font=args.font)
    except FontNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not written:
        print("the job printed nothing", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
