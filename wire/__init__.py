"""What the kiosk and the central service must agree on, byte for byte: the application number and
the receipt's progress code (``progress_code.py``), and the rules of the citizen ID number
(``identity.py``). Pure functions and the standard library only; ``kiosk`` and ``central`` both
import this package, and it imports neither (tests/test_architecture.py)."""
