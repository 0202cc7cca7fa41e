"""Updates for the UI that are not session events, posted by services through ``app.post``.

The session's view of the attract screen carries no notices: they come from the central service
(``GET /v1/notices`` or similar) at any time, and showing them is the UI's business alone. Pure
data, no Kivy, so services can import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NoticesUpdated:
    """The notices to scroll on the attract screen, newest first. Each notice is a
    ``{"title": {"zh", "en"}, "body": {"zh", "en"}}`` mapping, or a plain ``{"zh", "en"}`` text."""

    notices: tuple[Mapping[str, Any], ...]
