"""Formula trees' numbers at a point (`diff --check`): a Name is its node's value (or its
adjoint); an Elem (`W1[j,i]`, `δ_h1[j]`) is looked up in a Scope with its index variables
bound, and an Over (Σ_k) adds its body over its ranges."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

from ..ops import OPS
from .trees import _COMPARE, Bin, Call, Chain, Elem, Name, Neg, Num, Over, Slot, Sum, Tree


class Scope(Protocol):
    """Where an index formula finds its numbers: `bound` the index variables now running
    (and the sizes); `look` a family element's value or δ, by its index numbers."""

    bound: dict[str, int]

    def look(self, name: str, key: tuple[int, ...], adjoint: bool) -> float: ...


_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sign": lambda x: (x > 0) - (x < 0), "step": lambda t: 1.0 if t > 0 else 0.0 if t < 0 else 0.5}


def value(t: Tree, values: Sequence[float], adjoints: Mapping[int, float],
          scope: Scope | None = None) -> float:
    """The tree's number: a Name is its node's value (or, for δ, `adjoints[node]`); an Elem
    and an Over read `scope` (see the module)."""
    if isinstance(t, Elem):
        assert scope is not None
        if not t.at and t.name in scope.bound:  # an index variable read as a number
            return float(scope.bound[t.name])
        return scope.look(t.name, tuple(scope.bound[v] if not v.isdigit() else int(v)
                                        for v in t.at), t.adjoint)
    if isinstance(t, Over):
        return sum(value(t.body, values, adjoints, scope) for _ in _running(t, scope))
    if isinstance(t, Num):
        return t.value
    if isinstance(t, Name):
        return adjoints[t.node] if t.adjoint else values[t.node]
    if isinstance(t, Call):
        fn = _FUNCTIONS.get(t.fn) or OPS[t.fn].value
        return float(fn(*(value(a, values, adjoints, scope) for a in t.args)))
    if isinstance(t, Neg):
        return -value(t.arg, values, adjoints, scope)
    if isinstance(t, Chain):
        return math.prod(value(f, values, adjoints, scope) for f in t.factors)
    if isinstance(t, Sum):
        return sum(value(x, values, adjoints, scope) for x in t.terms)
    if isinstance(t, Slot):
        raise ValueError("an unfilled operand")
    a, b = value(t.left, values, adjoints, scope), value(t.right, values, adjoints, scope)
    if t.op in _COMPARE:
        return float(a > b if t.op == ">" else a < b if t.op == "<" else
                     a >= b if t.op == ">=" else a <= b)
    if t.op == "+":
        return a + b
    if t.op == "-":
        return a - b
    if t.op == "*":
        return a * b
    if t.op == "/":
        return a / b if b else math.inf
    return float(OPS["pow"].value(a, b)) if (a or b >= 0) else math.inf


def _running(t: Over, scope: Scope | None) -> Iterator[None]:
    """Bind t's variables in scope to each of their values in turn, then unbind them."""
    assert scope is not None
    saved = {v: scope.bound.get(v) for v in t.vars}
    for key in itertools.product(*[range(lo, hi + 1) for lo, hi in t.ranges]):
        scope.bound.update(zip(t.vars, key))
        yield
    for v, was in saved.items():
        if was is None:
            scope.bound.pop(v, None)
        else:
            scope.bound[v] = was


def magnitude(t: Tree, values: Sequence[float], adjoints: Mapping[int, float],
              scope: Scope | None = None) -> float:
    """How large the numbers are that computing t adds: Σ|terms| for a sum, Π|factors| for
    a product; a call or a power its own size. Two ways of adding the same terms (this
    formula, the engine's passes) differ by rounding in proportion to it, not to the
    result: `1/x - x/x^2` is 0, but its terms at x = 1e-9 are 1e9."""
    if isinstance(t, Over):
        return sum(magnitude(t.body, values, adjoints, scope) for _ in _running(t, scope))
    if isinstance(t, Neg):
        return magnitude(t.arg, values, adjoints, scope)
    if isinstance(t, Chain):
        return math.prod(magnitude(f, values, adjoints, scope) for f in t.factors)
    if isinstance(t, Sum):
        return sum(magnitude(x, values, adjoints, scope) for x in t.terms)
    if isinstance(t, Bin) and t.op in ("+", "-", "*"):
        a, b = (magnitude(x, values, adjoints, scope) for x in (t.left, t.right))
        return a + b if t.op != "*" else a * b
    if isinstance(t, Bin) and t.op == "/":
        below = abs(value(t.right, values, adjoints, scope))
        return magnitude(t.left, values, adjoints, scope) / below if below else math.inf
    return abs(value(t, values, adjoints, scope))
