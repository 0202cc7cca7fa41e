"""The session's handlers, one module per flow: plain functions ``(Moves, event) -> None`` that the
step table (:mod:`kiosk.session.table`) names. They decide, through the moves of
:class:`kiosk.session.context.Moves`, where the session goes and which commands it emits."""
