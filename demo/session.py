"""Demo step: walk every canonical journey through the real session flow and show what it emits.

Each journey in ``kiosk/session/walks.py`` (the HK/Macao endorsement, a passport with postal
delivery and the green channel, a child with a guardian, progress, appointment, foreigner flows,
survey, guides) is fed event by event to :class:`kiosk.session.Session`; the commands it emits
(screens, timers, device starts/stops, record-before-charge, receipts, the wipe at the end) are
written to ``var/demo/session-<journey>.txt`` and the tap counts to the report. The flow picture
(Mermaid, generated from the transition table) goes to ``var/demo/session.mmd``.
"""

from __future__ import annotations

import dataclasses

from kiosk.domain.catalogue import load_catalogue
from kiosk.session import commands as c
from kiosk.session.diagram import mermaid
from kiosk.session.walks import new_session, resolve, walks


def _describe(command: c.Command) -> str:
    if isinstance(command, c.ShowScreen):
        return f"ShowScreen {command.step.value} (screen {command.screen})"
    shown = {}
    for f in dataclasses.fields(command):
        if f.repr:
            shown[f.name] = getattr(command, f.name)
    args = ", ".join(f"{k}={v!r}" for k, v in shown.items())
    return f"{type(command).__name__}({args})"


def run(ctx) -> None:  # type: ignore[no-untyped-def]
    catalogue = load_catalogue()
    (ctx.out / "session.mmd").write_text(mermaid() + "\n", encoding="utf-8")
    for walk in walks(catalogue):
        session = new_session(catalogue)
        lines = [f"# {walk.title}", ""]
        lines += ["  " + _describe(x) for x in session.start()]
        for move in walk.moves:
            event = resolve(move, session)
            lines.append(f"{type(event).__name__}  [{move.taps} tap(s)] {move.what}")
            lines += ["  " + _describe(x) for x in session.handle(event)]
        if session.step.value != "idle" or session.data != type(session.data)():
            raise AssertionError(f"{walk.name}: did not end wiped at the attract screen")
        (ctx.out / f"session-{walk.name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        typed = ", ".join(walk.typed_after_read()) or "nothing"
        ctx.note(f"session: {walk.title}: {walk.taps_after_read()} taps after the card/document, typed: {typed}")
