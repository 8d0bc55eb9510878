"""Values and partials of the op table written for the edges of the doubles: forms that take
no step out of a double's range unless the result leaves it (sigmoid's and tanh's tails,
-x/y^2 as -(x/y)/y), and partials again in wide (decimal) numbers for where the double
one truly leaves it (wide.py). ops.py names them in its rows."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def dsigmoid(x: float) -> float:
    """sigmoid'(x) = e/(1 + e)^2 with e = exp(-|x|): no cancellation in the tails, where
    o*(1 - o) gives 0 once sigmoid(x) rounds to 1 (x >= 37)."""
    e = math.exp(-abs(x))
    return e / ((1.0 + e) * (1.0 + e))


def dtanh(x: float) -> float:
    """tanh'(x) = 4e/(1 + e)^2 with e = exp(-2|x|): 1 - tanh(x)^2 gives 0 once tanh(x)
    rounds to 1 (|x| >= 19.1)."""
    e = math.exp(-2.0 * abs(x))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


TINY = 2.2250738585072014e-308  # the smallest normal double: below it digits are lost


def ddiv_dy(x: float, y: float, out: float) -> float:
    """-x/y^2 as -(x/y)/y, out being x/y; as -x/(y*y) where x/y is subnormal (it has lost
    digits, and |y| < 1 can make the partial a normal double again): y*y is normal there."""
    if -TINY < out < TINY and out != 0.0:
        return -x / (y * y)
    return -out / y


# Partials in wide numbers (wide.py): Decimal operands x, y and node value v.
def wide_pow(x: Decimal, y: Decimal, v: Decimal) -> Decimal:
    """x^y: the node's value v where that is a normal double, else computed (it underflowed).
    pow's wide partials are written over it (y*x^(y-1) as y*x^y/x)."""
    return v if abs(v) >= TINY else x**y


def wide_dpow(x: Decimal, y: Decimal, v: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """pow's first partials (x, then y); None where undefined or 0 whatever the double is."""
    if not x:
        return None, None
    p = wide_pow(x, y, v)
    return (y * p / x if y else None), (p * x.ln() if x > 0 else None)


def wide_d2pow(x: Decimal, y: Decimal, v: Decimal) -> tuple[Decimal | None, ...]:
    """pow's second partials (xx, xy, yy), as `wide_dpow`."""
    if not x:
        return None, None, None
    p = wide_pow(x, y, v)
    if x < 0:
        return y * (y - 1) * p / (x * x), None, None
    return y * (y - 1) * p / (x * x), p / x * (1 + y * x.ln()), p * x.ln() ** 2


def wide_sigmoid(x: Decimal, v: Decimal) -> Decimal:
    e = (-abs(x)).exp()
    return e / (1 + e) ** 2


def wide_tanh(x: Decimal, v: Decimal) -> Decimal:
    e = (-2 * abs(x)).exp()
    return 4 * e / (1 + e) ** 2


def wide_softplus(x: Decimal, v: Decimal) -> Decimal:
    return 1 / (1 + (-x).exp()) if x >= 0 else x.exp() / (1 + x.exp())
