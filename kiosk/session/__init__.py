"""The session flow: events in, commands out, one transition table (``flow.py``); pure.

No Kivy, no drivers, no network, no clock reads (the clock is a constructor argument)."""
