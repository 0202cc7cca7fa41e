"""Rules of the 18-character citizen ID number and of card validity dates, as the kiosk's domain
names them.

The central service applies the same checks, so they are defined once in ``wire/identity.py``
(which both import) and re-exported here for the kiosk.
"""

from wire.identity import (
    age_on,
    birth_date_from_id,
    id_number_check_digit,
    is_expired,
    is_plausible_id_number,
    is_valid_id_number,
    normalise_id_number,
    sex_from_id,
)

__all__ = [
    "age_on",
    "birth_date_from_id",
    "id_number_check_digit",
    "is_expired",
    "is_plausible_id_number",
    "is_valid_id_number",
    "normalise_id_number",
    "sex_from_id",
]
