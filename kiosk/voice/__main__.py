"""``python -m kiosk.voice <command>``: the voice's install-time and maintenance tools.

* ``render [--force]``: render every static prompt of every configured language into the cache
  (``make voice``; run at install time and after a catalogue update), remove stale renders, and
  say which prompts come from a site's recordings;
* ``missing``: the prompts a language has no words for (exit status 1 if any);
* ``script [--lang L]``: every static prompt as ``<lang> TAB <prompt-id> TAB <words>``, the script a
  voice artist reads for a site's recordings (file names: ``<recorded_dir>/<lang>/<prompt-id>.wav``);
* ``check [--out WAV]``: the audio check (kiosk/voice/audio_check.py) on the scripted walk;
* ``say PROMPT_ID [--lang L] [--device D]``: play one prompt through aplay (try a kiosk's speaker).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kiosk.config import load_config
from kiosk.voice.audio import AudioFormatError
from kiosk.voice.build import library_from
from kiosk.voice.engine import SpeechUnavailable
from kiosk.voice.prompts import DYNAMIC, VoiceCatalogue, all_prompt_ids
from kiosk.voice.script import Script


def _render(force: bool) -> int:
    config = load_config()
    library = library_from(config)
    script = Script(VoiceCatalogue(config.kiosk.languages))
    started = time.monotonic()
    counts = {"recorded": 0, "cached": 0, "rendered": 0, "failed": 0}
    keep: list[Path] = []
    for lang in config.kiosk.languages:
        for prompt_id in all_prompt_ids():
            if prompt_id in DYNAMIC:
                continue
            segment = script.segment(prompt_id, lang)
            if segment is None or segment.lang != lang:
                print(f"{lang} {prompt_id}: no words (see python -m kiosk.voice missing)")
                counts["failed"] += 1
                continue
            recorded, cached = library.recorded_path(segment), library.cache_path(segment)
            if cached is not None:
                keep.append(cached)
            if recorded is not None and recorded.is_file():
                counts["recorded"] += 1
                continue
            if cached is not None and cached.is_file() and not force:
                counts["cached"] += 1
                continue
            if cached is not None and force:
                cached.unlink(missing_ok=True)
            try:
                library.load(segment)
            except (SpeechUnavailable, AudioFormatError, OSError) as exc:
                print(f"{lang} {prompt_id}: {exc}")
                counts["failed"] += 1
                continue
            counts["rendered"] += 1
    stale = library.stale_cache_files(keep)
    for path in stale:
        path.unlink(missing_ok=True)
    print(f"voice prompts in {library.cache_dir}: {counts['rendered']} rendered, {counts['cached']} already "
          f"cached, {counts['recorded']} from recordings in {library.recorded_dir}, {counts['failed']} failed; "
          f"{len(stale)} stale removed; {time.monotonic() - started:.1f} s")
    return 1 if counts["failed"] else 0


def _missing() -> int:
    config = load_config()
    missing = VoiceCatalogue(config.kiosk.languages).missing()
    for lang, ids in missing.items():
        print(f"{lang}: {len(ids)} prompts without words" + "".join(f"\n  {i}" for i in ids))
    return 1 if any(missing.values()) else 0


def _script(lang: str | None) -> int:
    config = load_config()
    script = Script(VoiceCatalogue(config.kiosk.languages))
    for language in [lang] if lang else config.kiosk.languages:
        for prompt_id in all_prompt_ids():
            segment = None if prompt_id in DYNAMIC else script.segment(prompt_id, language)
            if segment is not None and segment.lang == language:
                print(f"{language}\t{prompt_id}\t{segment.text}")
    return 0


def _check(out: Path) -> int:
    from kiosk.voice.audio_check import report, run_check

    config = load_config()
    library = library_from(config)
    track, checks = run_check(Script(VoiceCatalogue(config.kiosk.languages)), library, out)
    print(report(track, checks))
    print(f"track written to {out}")
    return 0 if all(c.ok for c in checks) and not track.overlaps else 1


def _say(prompt_id: str, lang: str | None, device: str | None) -> int:
    from kiosk.voice.outputs import AplayOutput

    config = load_config()
    library = library_from(config)
    segment = Script(VoiceCatalogue(config.kiosk.languages)).segment(prompt_id, lang or config.kiosk.default_language)
    if segment is None:
        print(f"unknown prompt {prompt_id}", file=sys.stderr)
        return 2
    clip = library.load(segment)
    output = AplayOutput(device or config.voice.speaker_device)
    output.play(clip, config.voice.volume)
    done = output.wait(clip.duration + 5.0)
    print(f"{segment.lang} {prompt_id}: {segment.text} ({clip.duration:.1f} s)")
    return 0 if done else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.voice", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("render", help="pre-render every prompt into the cache")
    render.add_argument("--force", action="store_true", help="render again even if cached")
    commands.add_parser("missing", help="prompts without words in a language")
    lines = commands.add_parser("script", help="every static prompt's words (a recording script)")
    lines.add_argument("--lang")
    check = commands.add_parser("check", help="render the scripted walk's track and check it with sox")
    check.add_argument("--out", type=Path, default=Path("var/voice-check/walk.wav"))
    say = commands.add_parser("say", help="play one prompt through aplay")
    say.add_argument("prompt_id")
    say.add_argument("--lang")
    say.add_argument("--device")
    args = parser.parse_args(argv)
    if args.command == "render":
        return _render(args.force)
    if args.command == "missing":
        return _missing()
    if args.command == "script":
        return _script(args.lang)
    if args.command == "check":
        return _check(args.out)
    return _say(args.prompt_id, args.lang, args.device)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
