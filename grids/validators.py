from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

OFFICIAL_CODE_LENGTH = 20


def validate_official_code(value: str) -> None:
    """A grid code of CJ/T 349-2010: 20 digits."""
    if value and (len(value) != OFFICIAL_CODE_LENGTH or not value.isdigit()):
        raise ValidationError(
            _("An official grid code has %(length)s digits (CJ/T 349-2010): “%(value)s”."),
            params={"length": OFFICIAL_CODE_LENGTH, "value": value}, code="official_code")
