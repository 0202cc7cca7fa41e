"""How personal data is masked wherever it is shown or printed: one function per kind, one rule.

The same rule serves the public screen (a person behind the applicant can read it), the receipt
and every slip, so a number never shows more on one than on another:

- **document numbers** (resident ID 18, foreigner permanent residence card 15 or 18, passport and
  permit 9, and any other): four characters at each end when the number has 12 or more, else two;
  a number too short to hide anything between the ends is masked whole.
- **names**: the first character (Chinese) or the first letter of each word (Latin) and, for
  Chinese names of three or more characters, the last.
- **bank cards**: the first six and last four digits, as bank slips print.
- **phones**: the first three and last four digits.
"""

from __future__ import annotations

import re


def mask_name(name: str) -> str:
    """``张小明`` -> ``张*明``, ``张三`` -> ``张*``, ``ZHANG XIAOMING`` -> ``Z**** X*******``."""
    name = name.strip()
    if any("a" <= ch.lower() <= "z" for ch in name):
        return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_document_number(number: str) -> str:
    """``11010519491231002X`` -> ``1101**********002X``; short numbers keep two at each end."""
    number = number.strip().replace(" ", "")
    keep = 4 if len(number) >= 12 else 2
    if len(number) <= 2 * keep:
        return "*" * len(number)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def mask_card_number(card: str) -> str:
    """First six and last four digits, as bank slips print (terminal-masked input is accepted)."""
    card = re.sub(r"[\s-]", "", card).replace("X", "*").replace("x", "*")
    if len(card) < 10:
        return "*" * len(card)
    middle = "*" * (len(card) - 10)
    return card[:6] + middle + card[-4:]


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 13 and digits.startswith("861"):  # +86 in front of a mainland mobile
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
