"""What the kiosk and the central service must agree on, byte for byte: the application number and
the receipt's progress code (``progress_code.py``), the rules of the citizen ID number
(``identity.py``), which scanned texts are payment codes (``payment_codes.py``), the kiosk's
configuration files (``kiosk_ini.py``) and the outreach batch file with its keys
(``outreach_batch.py``, ``outreach_keys.py``). Pure functions over the standard library (and
``cryptography`` for the batch file); ``kiosk`` and ``central`` both import this package, and it
imports neither (tests/test_architecture.py)."""
