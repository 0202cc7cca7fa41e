"""The services that print: the printer layouts of every receipt and slip (``layouts.py``), and the
slips built from the session's print commands (``receipt_building.py``)."""
