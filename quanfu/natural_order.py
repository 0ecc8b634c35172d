"""Names sorted as people count: 全福第2网格 before 全福第10网格 (not by code point)."""

import re

_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """A sort key that compares the runs of digits in ``text`` as numbers (each part a
    pair, so that a number and a word at the same place still compare)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in _NUMBER.split(text or "") if part)
