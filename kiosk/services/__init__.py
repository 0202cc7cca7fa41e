"""Services: carry out session commands against devices and the central service; report back as events."""
