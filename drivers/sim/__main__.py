"""``kiosk-sim <device> --pty``: run a device simulator on a pseudo-terminal.

Prints the pty path on the first line of standard output (and keeps ``--link`` pointing at it),
then serves until interrupted. With ``--control``, standard input takes one JSON object per line,
``{"call": "method", "args": [...], "kwargs": {...}}``, and each call's result is printed as JSON:
this is how tests in another process script faults (``{"call": "unplug"}``).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from drivers import sim as sim_registry
from drivers.sim.pty import PtyServer


def _parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set expects key=value, got {item!r}")
        params[key] = value
    return params


def _serve_control(server: PtyServer, out_lock: threading.Lock) -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            method = getattr(server.sim, request["call"])
            result = method(*request.get("args", []), **request.get("kwargs", {}))
            reply = {"ok": True, "result": result, "path": server.path}
        except Exception as exc:  # report to the controller, keep serving
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        with out_lock:
            print(json.dumps(reply, default=repr), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk-sim", description=__doc__.splitlines()[0])
    parser.add_argument("device", help="echo, idcard, mrz, payment, printer, scanner, ...")
    parser.add_argument("--pty", action="store_true", help="serve on a pseudo-terminal (the only transport)")
    parser.add_argument("--link", help="keep a symlink at this path pointing to the current pty")
    parser.add_argument("--baud", type=int, default=None, help="pace the device's output at this line rate")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="simulator parameter (repeatable)")
    parser.add_argument("--control", action="store_true", help="read JSON control calls from stdin")
    args = parser.parse_args(argv)
    if not args.pty:
        parser.error("only --pty is supported from the command line; in process use sim://<device>")
    try:
        sim = sim_registry.create(args.device, **_parse_params(args.set))
    except ValueError as exc:
        parser.error(str(exc))
    server = PtyServer(sim, link=args.link, pace_baud=args.baud)
    print(server.path, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    if args.control:
        def control_then_stop() -> None:
            _serve_control(server, threading.Lock())
            done.set()  # the controller closed our stdin (or died): stop serving

        control = threading.Thread(target=control_then_stop, daemon=True)
        control.start()
    try:
        done.wait()
    finally:
        server.close()
        sim.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
