"""Our own password rule, used by AUTH_PASSWORD_VALIDATORS next to Django's.

Setting a password in code (``set_password``, the demo loader, the tests) does not run the
validators; every form where a person chooses a password (the password change page, the
admin's user forms, ``createsuperuser``) does.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_kinds(password: str) -> set[str]:
    """Which of the four kinds of characters the password uses: lower-case letters,
    upper-case letters, digits, and anything else (punctuation, spaces, Chinese)."""
    kinds = set()
    for character in password:
        if character.islower():
            kinds.add("lower")
        elif character.isupper():
            kinds.add("upper")
        elif character.isdigit():
            kinds.add("digit")
        else:
            kinds.add("other")
    return kinds


class CharacterKindsValidator:
    """A password must mix at least ``required_kinds`` of the four kinds of characters."""

    def __init__(self, required_kinds: int = 3):
        if not 1 <= required_kinds <= 4:
            raise ValueError("required_kinds must be between 1 and 4")
        self.required_kinds = required_kinds

    def validate(self, password, user=None):
        if len(character_kinds(password)) < self.required_kinds:
            raise ValidationError(
                _("This password mixes too few kinds of characters: use at least %(required)d "
                  "of lower-case letters, upper-case letters, digits and other characters."),
                code="password_too_few_character_kinds",
                params={"required": self.required_kinds},
            )

    def get_help_text(self):
        return _("Your password must use at least %(required)d of these: lower-case letters, "
                 "upper-case letters, digits, other characters.") % {
            "required": self.required_kinds}
