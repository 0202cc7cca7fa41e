"""pyserial URL handlers for ports that are not serial lines.

Importing this package appends it to ``serial.protocol_handler_packages``, so
``serial.serial_for_url("lp:///dev/usb/lp0")`` finds :mod:`drivers.ports.protocol_lp`. The link
layer imports it next to :mod:`drivers.sim`, which is why a printer on the USB printer class driver
is configured as ``port = lp:///dev/usb/lp0`` and otherwise handled like any serial port.
"""

from __future__ import annotations

import serial

if "drivers.ports" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("drivers.ports")
