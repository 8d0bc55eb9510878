"""How bpcalc writes a number, the one formatter every view and the JSON share.

A double that is exactly an integer below 2^53 is the integer (`6`, not `6.0`); any other
is the shortest text that reads back as the same double (its repr).
"""

from __future__ import annotations

EXACT = 2.0**53


def plain(x: float) -> float | int:
    """The number as JSON writes it: an int when it is an integer below 2^53."""
    return int(x) if x.is_integer() and -EXACT < x < EXACT else x


def number(x: float) -> str:
    """Integers without '.0'; otherwise the shortest text that reads back as the same double."""
    return repr(plain(x))


def number_text(x: float) -> str:
    """A number as an operand in formula text: negatives in parentheses."""
    s = number(x)
    return f"({s})" if s.startswith("-") else s
