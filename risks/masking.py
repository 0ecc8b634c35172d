"""Masking of parties' personal data: 张* and 138****5678."""


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """A mobile number keeps its first three and last four digits, as is customary;
    anything else keeps at most its first two and last two characters."""
    phone = (phone or "").strip()
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) >= 7:
        return f"{phone[:2]}{'*' * (len(phone) - 4)}{phone[-2:]}"
    return "*" * len(phone)
