"""Passport / permit readers that output ICAO 9303 MRZ text: parser with every check digit, line codec,
push-mode driver and simulator."""
