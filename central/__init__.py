"""Reference central service: the HTTP contract the kiosk submits to, with storage and a staff console."""
