"""Pure domain rules: documents, fees, eligibility, identity checks, application and receipt models.

No Kivy, no drivers, no network, no clock reads: callers pass "today" in."""
