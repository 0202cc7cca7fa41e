"""ESC/POS thermal receipt printer: command builder and status codec (``protocol``), health mapping
(``health``), the driver that prints a job over serial or a USB printer device file (``driver``),
and a simulator that renders what it is sent to PNG (``simulator``, ``python -m drivers.printer``).
"""
