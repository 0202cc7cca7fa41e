"""Serial barcode/QR scanner in line mode: sans-I/O codec, driver with repeat suppression, simulator."""
