"""Device codecs, drivers and simulators for the exit-entry kiosk.

This package is usable on its own: it never imports ``kiosk`` or ``central``. Each device lives in
its own folder with three files: ``protocol.py`` (sans-I/O codec), ``driver.py`` (codec joined to a
:class:`drivers.link.Link`) and ``simulator.py`` (the device side of the same bytes). Every driver
follows :mod:`drivers.contract` (``start``, ``stop``, ``health() -> DeviceHealth``, ``listen``).
"""
