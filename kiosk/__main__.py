"""``kiosk``: the composition root. Read config, set up logging, build the services, the session and
the Kivy UI, and run until the UI stops.

Order: config (errors exit 2 before anything opens), logging, Kivy's settings (before Kivy's Window
exists), the runtime (:func:`kiosk.runtime.build_runtime`: outbox, payments, devices, executor,
sender, heartbeat), the session, the app; then the runtime starts (payment recovery first) and the
app runs. Events the services post before the app exists wait in a :class:`~kiosk.runtime.PostRelay`.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.config import ConfigError, KioskConfig, config_files, load_config
from privacy_log import configure_logging

log = logging.getLogger("kiosk")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Exit-entry service hall kiosk")
    parser.add_argument("--config", action="append", metavar="FILE",
                        help="site configuration layered over config/kiosk.ini (repeatable; "
                             "default: the KIOSK_CONFIG environment variable)")
    parser.add_argument("--simulated", action="store_true",
                        help="layer config/simulated.ini: every device on its simulator")
    parser.add_argument("--windowed", action="store_true", help="a window instead of fullscreen (development)")
    parser.add_argument("--check-config", action="store_true", help="check the configuration and exit")
    parser.add_argument("--outreach", action="store_true",
                        help="the outreach station's officer screens (config [outreach]; docs/outreach.md)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(config_files(args.config, simulated=args.simulated))
    except ConfigError as exc:
        print(f"kiosk: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.windowed:
        config = dataclasses.replace(config, ui=dataclasses.replace(config.ui, fullscreen=False))
    configure_logging(config.logging.level, config.resolve(config.logging.file) if config.logging.file else None)
    log.info("configuration read from %s", ", ".join(str(p) for p in config.sources))
    if args.check_config:
        print("configuration OK: " + ", ".join(str(p) for p in config.sources))
        return 0
    if args.outreach:
        return run_outreach(config, windowed=args.windowed)
    return run(config)


def run_outreach(config: KioskConfig, *, windowed: bool = True) -> int:
    """The outreach station: an officer's laptop, windowed 1366x768 unless ``[ui] fullscreen`` and
    not ``--windowed`` (kiosk/ui/outreach)."""
    from kiosk.ui.bootstrap import WindowSettings, configure_kivy

    try:
        configure_kivy(WindowSettings(fullscreen=config.ui.fullscreen and not windowed, size=(1366, 768),
                                      multisamples=config.ui.multisamples))
        from kiosk.ui.outreach.app import run as run_screens
    except ImportError as exc:
        print(f"kiosk: the outreach screens cannot be loaded ({exc})", file=sys.stderr)
        return 1
    return run_screens(config)


@dataclass
class AssembledKiosk:
    """What :func:`assemble` built: the runtime (not started yet) and the app (not running yet)."""

    config: KioskConfig
    runtime: Any  # kiosk.runtime.Runtime
    session: Any  # kiosk.session.Session
    app: Any      # kiosk.ui.app.KioskApp


def assemble(config: KioskConfig, window: Any = None) -> AssembledKiosk:
    """Build the runtime, the session and the app, wired together, without starting anything.

    ``window``: Kivy's window settings (:class:`kiosk.ui.bootstrap.WindowSettings`; default: the
    configured fullscreen mode). The headless demo (``demo/ui_walkthrough.py``) assembles the kiosk
    through this same function and drives the app offscreen instead of ``app.run()``. Raises
    ``ImportError`` when Kivy cannot be loaded and :class:`KioskStartError` for anything else."""
    from kiosk import regions
    from kiosk.runtime import PostRelay, build_runtime
    from kiosk.services.memory import limit_arenas
    from kiosk.services.service_events import ExitRequested
    from kiosk.session import Session
    from kiosk.ui.bootstrap import WindowSettings, configure_kivy
    from kiosk.voice.build import build_voice

    limit_arenas()  # before any of the kiosk's threads exists (kiosk/services/memory.py)
    configure_kivy(window or WindowSettings(fullscreen=config.ui.fullscreen, multisamples=config.ui.multisamples))
    from kiosk.ui.app import KioskApp

    relay = PostRelay()
    runtime = build_runtime(config, relay, on_exit=lambda: relay(ExitRequested()))
    try:
        session = Session.from_config(config, datetime.now, known_region=lambda code: bool(regions.find(code)))
        app = KioskApp(session=session, command_sink=runtime.execute, config=config,
                       frame_source=runtime.frame_source, voice=build_voice(config))
    except Exception as exc:  # a missing font, a bad catalogue: say what, and release what was opened
        runtime.stop()
        raise KioskStartError(str(exc)) from exc

    def on_event(event: Any) -> None:  # runs on the Kivy thread (KioskApp.dispatch_event)
        if isinstance(event, ExitRequested):
            app.stop()

    app.event_listeners.append(on_event)
    if runtime.catalogue is not None:  # the central service's catalogue, swapped in between people
        app.event_listeners.append(runtime.catalogue.listener(session))
    relay.connect(app.post)
    return AssembledKiosk(config, runtime, session, app)


class KioskStartError(RuntimeError):
    """The kiosk cannot start (the message says why); nothing is left open."""


def run(config: KioskConfig, window: Any = None,
        before_run: Callable[[AssembledKiosk], None] | None = None) -> int:
    """Build everything and run the UI until it stops; the services are stopped afterwards.
    ``before_run`` sees the assembled kiosk after the runtime started (the windowed demo adds its
    simulator hot keys there)."""
    try:
        kiosk = assemble(config, window)
    except ImportError as exc:
        print(f"kiosk: the touch UI cannot be loaded ({exc}); `python -m kiosk --check-config` checks the rest",
              file=sys.stderr)
        return 1
    except KioskStartError as exc:
        print(f"kiosk: cannot start: {exc}", file=sys.stderr)
        return 1
    kiosk.runtime.start()
    try:
        if before_run is not None:
            before_run(kiosk)
        kiosk.app.run()
    finally:
        kiosk.runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
