"""How bpcalc writes a number: the one formatter every view and the JSON share.

In JSON (and DOT, and exact values) a double that is exactly an integer below 2^53 is the
integer (`6`, not `6.0`); any other is the shortest text that reads back as the same
double (its repr). On screen a view shows `digits` significant digits (6 by default, as
a calculator does), set for the views it renders with `showing(digits)`: `shown` is what
every text, table, tree and picture view calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

EXACT = 2.0**53
SCREEN_DIGITS = 6  # significant digits on screen unless --digits says otherwise
FULL = 17  # as many as a double has: --digits 17 shows every number as JSON does

_digits: ContextVar[int | None] = ContextVar("digits", default=None)  # None: full


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


def short(x: float, digits: int) -> str:
    """`digits` significant digits, trailing zeros dropped (`%g`); a number within 1e-12
    (relative) of an integer below 10^16 is that integer: 2.9999999999999996 is 3."""
    if digits >= FULL or not math.isfinite(x):
        return number(x)
    whole = round(x)
    if abs(whole) < 1e16 and abs(x - whole) <= 1e-12 * abs(x):
        return str(int(whole))
    return f"{x:.{digits}g}"


def shown(x: float | None) -> str:
    """A number as the view being rendered shows it (see `showing`); None, a derivative
    left undefined off the paths asked for, as `undefined`."""
    if x is None or x != x:  # nan: a local derivative not defined here (and not needed)
        return "undefined"
    if math.isinf(x):  # beyond a double (wide.py), on the side of its sign: a warning says more
        return "beyond a double" if x > 0 else "-beyond a double"
    digits = _digits.get()
    return number(x) if digits is None else short(x, digits)


def shown_text(x: float | None) -> str:
    """`shown`, as an operand in formula text: negatives in parentheses."""
    s = shown(x)
    return f"({s})" if s.startswith("-") else s


def apart(xs: list[float], digits: int | None = None) -> list[str]:
    """The numbers `xs` with the fewest digits from `digits` (the view's) up that tell
    apart those that differ: a check row that disagrees shows where."""
    start = digits or _digits.get() or FULL
    for k in range(start, FULL + 1):
        texts = [short(x, k) for x in xs]
        if len(set(texts)) == len(set(xs)):
            return texts
    return [number(x) for x in xs]


@contextmanager
def showing(digits: int | None) -> Iterator[None]:
    """Render with `digits` significant digits (None: every digit, as JSON has them)."""
    token = _digits.set(digits)
    try:
        yield
    finally:
        _digits.reset(token)
