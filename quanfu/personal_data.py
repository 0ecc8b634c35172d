"""Resident identity numbers and mainland mobile numbers in free text.

The register keeps a party's phone with the party (masked, its unmasked reads logged) and
no identity numbers at all (DOMAIN.md): titles, descriptions, notes, plans, minutes and
findings must hold neither. The services refuse such text with ``refuse_personal_data``;
``scan_personal_data`` finds and masks what was written before.

What counts, and what does not:
- a resident identity number (GB 11643): 17 digits and a check character (0-9 or X) that
  matches the weighted sum, with a plausible date of birth in digits 7-14;
- a mobile number: 11 digits starting 13-19, alone or written 138-1234-5678,
  138 1234 5678, +86 138…;
- never digits inside a longer run (a 20-digit account number), dates (20240520),
  amounts or matter codes (QF-2026-000123), nor 18 digits whose check character is wrong.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from quanfu.errors import RuleBroken

REFUSAL = _("Do not write identity numbers or mobile numbers in the description; record a "
            "party's phone under “Parties”.")

RESIDENT_ID = "resident_id"
MOBILE = "mobile"

# Full-width digits and signs, as Chinese input methods type them, are read as their ASCII
# twins: one character for one, so a position found in the translation holds in the text.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－　", "0123456789Xx+- ")
_RESIDENT_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?"
                     r"([0-9]{4})(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARACTERS = "10X98765432"
_EARLIEST_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class PersonalDataMatch:
    kind: str  # RESIDENT_ID or MOBILE
    start: int
    end: int
    masked: str  # what replaces text[start:end] when masking: 370102********1234, 138****5678


def _is_resident_id(number: str) -> bool:
    total = sum(int(digit) * weight
                for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK_CHARACTERS[total % 11] != number[17].upper():
        return False
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return year >= _EARLIEST_BIRTH_YEAR and born <= date.today()


def find_personal_data(text: str | None) -> list[PersonalDataMatch]:
    """Every resident identity number and mobile number in ``text``, in reading order."""
    if not text:
        return []
    ascii_text = text.translate(_HALF_WIDTH)
    found = [PersonalDataMatch(RESIDENT_ID, match.start(), match.end(),
                               f"{match.group()[:6]}{'*' * 8}{match.group()[-4:]}")
             for match in _RESIDENT_ID.finditer(ascii_text) if _is_resident_id(match.group())]
    found += [PersonalDataMatch(MOBILE, match.start(), match.end(),
                                f"{match.group(1)}****{match.group(3)}")
              for match in _MOBILE.finditer(ascii_text)]
    return sorted(found, key=lambda match: match.start)


def mask_personal_data(text: str) -> str:
    """``text`` with every identity number and mobile number masked; the rest unchanged."""
    parts, position = [], 0
    for match in find_personal_data(text):
        parts += [text[position:match.start], match.masked]
        position = match.end
    return "".join(parts) + text[position:]


def refuse_personal_data(**texts: str | None) -> None:
    """Raise RuleBroken on the first field (in the order given) whose text holds an
    identity number or a mobile number: ``refuse_personal_data(title=…, description=…)``."""
    for field, text in texts.items():
        if find_personal_data(text):
            raise RuleBroken(REFUSAL, field=field)
