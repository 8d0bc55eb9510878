"""The one table of primitives.

Each row gives an operation's arity, its value, and for every operand its local
partial derivative, as a number (a function of the operand values and of the
node's own value) and as formula text over the operands. Forward, reverse and
path modes all read the edge weights computed from these rows; no derivative
rule is written anywhere else. Adding a primitive is one row here.

Second partials (`second`) serve Hessians: for a unary op one function, d2/dx2; for a
binary op three, (xx, xy, yy), so the pair of slots (s, q) is entry s + q. They take the
same arguments as `partials`. Kinks and linear pieces have second derivative 0.

Value functions may raise ValueError, ZeroDivisionError or OverflowError; the
graph turns those into a MathError naming the node. Derivatives at kinks follow
one convention, reported by `kink`: relu'(0) = abs'(0) = 0, and max/min at a
tie give 0.5 to each side. In formula text, `(x > 0)` is 1 or 0, `sign(0)` is 0,
and `step(t)` is the Heaviside step with step(0) = 1/2.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import NamedTuple

Partial = Callable[..., float]  # (*operand_values, node_value) -> float


class Op(NamedTuple):
    name: str
    arity: int
    value: Callable[..., float]
    partials: tuple[Partial, ...]  # one per operand
    second: tuple[Partial, ...]  # unary: (d2/dx2,); binary: (xx, xy, yy), see second_index
    text: str  # definition template over operand texts {0}, {1}
    dtext: tuple[str | Callable[[list[str]], str], ...]  # one formula per operand
    domain: str = ""  # what the operands must satisfy, for error messages
    kink: Callable[..., str | None] | None = None  # says when the point is a kink


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError
    return math.log(x)


def _pow(x: float, y: float) -> float:
    if x == 0 and y < 0:
        raise ZeroDivisionError
    return math.pow(x, y)


def _dpow_dy(x: float, y: float, out: float) -> float:
    if x == 0 and y > 0:
        return 0.0  # the limit of x^y*log(x) as x -> 0+
    if x <= 0:
        raise ValueError("the derivative of x^y with respect to y needs x > 0")
    return out * math.log(x)


def _dpow_dx(x: float, y: float, out: float) -> float:
    return 0.0 if y == 0 else y * _pow(x, y - 1)  # x^0 is constant, even at x = 0


def _d2pow_dx2(x: float, y: float, out: float) -> float:
    c = y * (y - 1)
    return 0.0 if c == 0 else c * _pow(x, y - 2)  # x^0 and x^1 are linear, even at x = 0


def _d2pow_dxdy(x: float, y: float, out: float) -> float:
    if x == 0:
        if y > 1:
            return 0.0  # the limit of x^(y-1)*(1 + y*log(x)) as x -> 0+
        raise ZeroDivisionError
    return _pow(x, y - 1) * (1.0 + y * _log(x))


def _d2pow_dy2(x: float, y: float, out: float) -> float:
    if x == 0 and y > 0:
        return 0.0  # the limit of x^y*log(x)^2 as x -> 0+
    return out * _log(x) ** 2


def _step(x: float, y: float) -> float:
    """d max(x, y)/dx: 1 where x wins, 0 where y wins, 0.5 at a tie."""
    return 1.0 if x > y else 0.0 if x < y else 0.5


def number(x: float) -> str:
    """Integers without '.0'; otherwise the shortest text that reads back as the same double."""
    return str(int(x)) if x.is_integer() and abs(x) < 2**53 else repr(x)


def number_text(x: float) -> str:
    """A number as an operand in formula text: negatives in parentheses."""
    s = number(x)
    return f"({s})" if s.startswith("-") else s


def _pow_dx_text(a: list[str]) -> str:
    """y*x^(y - 1), simplified when the exponent is a number (x^3 gives 3*x^2)."""
    x, y = a
    if not (y[:1].isdigit() or y[:1] in "(."):  # a node id, not a folded number
        return f"{y}*{x}^({y} - 1)"
    c = float(y.strip("()"))
    if c == 0:
        return "0"
    if c == 1:
        return "1"
    if c == 2:
        return f"2*{x}"
    return f"{y}*{x}^{number_text(c - 1)}"


def _kink_at_zero(x: float, out: float) -> str | None:
    return "operand is 0 (a kink); the derivative used there is 0" if x == 0 else None


def _kink_at_tie(x: float, y: float, out: float) -> str | None:
    return "operands tie (a kink); each side gets derivative 0.5" if x == y else None


def _fn(name: str, value: Callable[[float], float], d: Partial, d2: Partial, dtext: str,
        domain: str = "", kink: Callable[..., str | None] | None = None) -> Op:
    return Op(name, 1, value, (d,), (d2,), name + "({0})", (dtext,), domain, kink)


def _zero(*args: float) -> float:
    return 0.0


_LINEAR = (_zero, _zero, _zero)  # a binary op whose second partials all vanish


_OPS = [
    Op("add", 2, operator.add, (lambda x, y, o: 1.0, lambda x, y, o: 1.0), _LINEAR,
       "{0} + {1}", ("1", "1")),
    Op("sub", 2, operator.sub, (lambda x, y, o: 1.0, lambda x, y, o: -1.0), _LINEAR,
       "{0} - {1}", ("1", "-1")),
    Op("mul", 2, operator.mul, (lambda x, y, o: y, lambda x, y, o: x),
       (_zero, lambda x, y, o: 1.0, _zero),
       "{0} * {1}", ("{1}", "{0}")),
    Op("div", 2, operator.truediv, (lambda x, y, o: 1.0 / y, lambda x, y, o: -x / (y * y)),
       (_zero, lambda x, y, o: -1.0 / (y * y), lambda x, y, o: 2.0 * x / (y * y * y)),
       "{0} / {1}", ("1/{1}", "-{0}/{1}^2"), "a nonzero divisor"),
    Op("neg", 1, operator.neg, (lambda x, o: -1.0,), (_zero,), "-{0}", ("-1",)),
    Op("pow", 2, _pow, (_dpow_dx, _dpow_dy), (_d2pow_dx2, _d2pow_dxdy, _d2pow_dy2),
       "{0}^{1}", (_pow_dx_text, "{0}^{1}*log({0})"),
       "x >= 0, or an integer exponent for x < 0, and x != 0 for a negative exponent"),
    _fn("sin", math.sin, lambda x, o: math.cos(x), lambda x, o: -o, "cos({0})"),
    _fn("cos", math.cos, lambda x, o: -math.sin(x), lambda x, o: -o, "-sin({0})"),
    _fn("tan", math.tan, lambda x, o: 1.0 + o * o, lambda x, o: 2.0 * o * (1.0 + o * o),
        "1/cos({0})^2"),
    _fn("asin", math.asin, lambda x, o: 1.0 / math.sqrt(1.0 - x * x),
        lambda x, o: x / (1.0 - x * x) ** 1.5, "1/sqrt(1 - {0}^2)", "-1 <= x <= 1"),
    _fn("acos", math.acos, lambda x, o: -1.0 / math.sqrt(1.0 - x * x),
        lambda x, o: -x / (1.0 - x * x) ** 1.5, "-1/sqrt(1 - {0}^2)", "-1 <= x <= 1"),
    _fn("atan", math.atan, lambda x, o: 1.0 / (1.0 + x * x),
        lambda x, o: -2.0 * x / (1.0 + x * x) ** 2, "1/(1 + {0}^2)"),
    _fn("sinh", math.sinh, lambda x, o: math.cosh(x), lambda x, o: o, "cosh({0})"),
    _fn("cosh", math.cosh, lambda x, o: math.sinh(x), lambda x, o: o, "sinh({0})"),
    _fn("tanh", math.tanh, lambda x, o: 1.0 - o * o, lambda x, o: -2.0 * o * (1.0 - o * o),
        "1 - tanh({0})^2"),
    _fn("exp", math.exp, lambda x, o: o, lambda x, o: o, "exp({0})"),
    _fn("log", _log, lambda x, o: 1.0 / x, lambda x, o: -1.0 / (x * x), "1/{0}", "x > 0"),
    _fn("log2", lambda x: _log(x) / math.log(2.0), lambda x, o: 1.0 / (x * math.log(2.0)),
        lambda x, o: -1.0 / (x * x * math.log(2.0)), "1/({0}*log(2))", "x > 0"),
    _fn("log10", lambda x: _log(x) / math.log(10.0), lambda x, o: 1.0 / (x * math.log(10.0)),
        lambda x, o: -1.0 / (x * x * math.log(10.0)), "1/({0}*log(10))", "x > 0"),
    _fn("sqrt", math.sqrt, lambda x, o: 0.5 / o, lambda x, o: -0.25 / (o * o * o),
        "1/(2*sqrt({0}))", "x >= 0"),
    _fn("abs", abs, lambda x, o: _sign(x), _zero, "sign({0})", kink=_kink_at_zero),
    _fn("sigmoid", _sigmoid, lambda x, o: o * (1.0 - o),
        lambda x, o: o * (1.0 - o) * (1.0 - 2.0 * o), "sigmoid({0})*(1 - sigmoid({0}))"),
    _fn("relu", lambda x: x if x > 0 else 0.0, lambda x, o: 1.0 if x > 0 else 0.0, _zero,
        "({0} > 0)", kink=_kink_at_zero),
    _fn("softplus", _softplus, lambda x, o: _sigmoid(x),
        lambda x, o: _sigmoid(x) * (1.0 - _sigmoid(x)), "sigmoid({0})"),
    Op("max", 2, max, (lambda x, y, o: _step(x, y), lambda x, y, o: _step(y, x)), _LINEAR,
       "max({0}, {1})", ("step({0} - {1})", "step({1} - {0})"), kink=_kink_at_tie),
    Op("min", 2, min, (lambda x, y, o: _step(y, x), lambda x, y, o: _step(x, y)), _LINEAR,
       "min({0}, {1})", ("step({1} - {0})", "step({0} - {1})"), kink=_kink_at_tie),
]

OPS: dict[str, Op] = {op.name: op for op in _OPS}

# The names a user can call as functions (binary operators have no call form but pow).
FUNCTIONS: dict[str, int] = {
    name: op.arity for name, op in OPS.items() if name not in ("add", "sub", "mul", "div", "neg")
}
CONSTANTS: dict[str, float] = {"pi": math.pi}


def second_index(slot: int, other: int) -> int:
    """Where the second partial over operand slots (slot, other) sits in `Op.second`."""
    return slot + other  # unary: (0, 0) -> 0; binary: xx -> 0, xy and yx -> 1, yy -> 2


def definition_text(op: Op, operands: list[str]) -> str:
    if op.text.endswith(")"):  # a call needs no parentheses around a negative number
        operands = [o[1:-1] if o.startswith("(-") else o for o in operands]
    return op.text.format(*operands)


def partial_text(op: Op, slot: int, operands: list[str]) -> str:
    t = op.dtext[slot]
    return t(operands) if callable(t) else t.format(*operands)
