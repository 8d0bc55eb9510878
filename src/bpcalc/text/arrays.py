"""Values of families as the user writes them: `x=[0.5,-1]`, `W=[[1,2],[3,4]]`, JSON arrays in
`--point`, `--batch` and `--data` rows, and fills that give a family its shape and values,
`W1[16,2]=uniform(-1,1)`, `b1=0`, `normal(0,0.1)`; and the other way, a family's numbers
folded back into nested lists for JSON.

An Array holds its numbers flat in row-major order (the last index runs fastest), each a
number or the text of a constant expression (`"pi/4"`); a Fill is drawn when the family's
shape is known, with `random.Random(f"{seed}/{name}")`, so that each family's draw depends
on the seed and its name alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from ..errors import InputError

DRAWS = ("uniform", "normal")


class Array(NamedTuple):
    shape: tuple[int, ...]
    values: tuple[float | str, ...]  # row-major


class Fill(NamedTuple):
    """`uniform(a,b)`, `normal(mean,sd)` or a number `a` for every element; `shape` None: the
    program's use gives it."""

    shape: tuple[int, ...] | None
    kind: str  # "const", "uniform", "normal"
    a: float
    b: float = 0.0
    seed: int | None = None  # set by the command (--seed) before anything is drawn


def shape_of(v: Any) -> tuple[int, ...] | None:
    """The shape a value gives its family: an array's, a fill's (None: not given)."""
    if type(v) is Array or type(v) is Fill:
        return v.shape
    return None


def shape_text(shape: Sequence[int]) -> str:
    return "[" + ",".join(map(str, shape)) + "]"


def array_text(text: str, name: str) -> Array:
    """`[1, 2]` or `[[1, 2], [3, 4]]` as typed: each item a number or a constant expression
    (`pi/4`, `max(1, 2)`), read when its value is needed."""
    bad = InputError(f"value of {name} is not an array such as [1, 2] or [[1, 2], [3, 4]]: "
                     f"{text!r}")
    stack: list[list[Any]] = [[]]
    item: list[str] = []
    paren, closed = 0, False  # closed: a ']' was the last thing read
    for ch in text:
        if paren or ch not in "[],":
            paren += (ch == "(") - (ch == ")")
            item.append(ch)
            continue
        t = "".join(item).strip()
        item = []
        if ch == "[":
            if t or closed:
                raise bad
            stack.append([])
            continue
        if t and not closed:
            stack[-1].append(t)
        elif not (closed and not t):
            raise bad  # an empty item: [], [1,,2], [1,]
        closed = ch == "]"
        if closed:
            if len(stack) == 1:
                raise bad
            done = stack.pop()
            stack[-1].append(done)
    if "".join(item).strip() or len(stack) != 1 or len(stack[0]) != 1:
        raise bad
    return nested(stack[0][0], name)


def nested(obj: Any, name: str) -> Array:
    """Nested lists (from JSON or typed) -> an Array, checked to be rectangular, its leaves
    numbers or strings."""
    shape: list[int] = []
    level: list[Any] = [obj]
    while level and isinstance(level[0], list):
        n = len(level[0])
        if n == 0:
            raise InputError(f"value of {name}: an empty array")
        if any(not isinstance(x, list) or len(x) != n for x in level):
            raise InputError(f"value of {name} is not rectangular: every row must have "
                             f"{n} items at depth {len(shape) + 1}")
        shape.append(n)
        level = [y for x in level for y in x]
    for v in level:
        if isinstance(v, list) or not isinstance(v, float | int | str) or isinstance(v, bool):
            raise InputError(f"value of {name} is not rectangular, or holds something that is "
                             f"not a number: {v!r}")
        if isinstance(v, float) and not math.isfinite(v):
            raise InputError(f"value of {name} holds a number that is not finite: {v!r}")
    return Array(tuple(shape), tuple(float(v) if isinstance(v, int) else v for v in level))


_FILL = re.compile(r"\s*(uniform|normal)\s*\((.*),(.*)\)\s*")


def fill_text(text: str, name: str, shape: tuple[int, ...] | None) -> Fill | None:
    """`uniform(a, b)` or `normal(mean, sd)` -> a Fill; None for anything else."""
    from .values import parse_value

    m = _FILL.fullmatch(text)
    if m is None:
        return None
    kind, a, b = m.group(1), parse_value(m.group(2).strip(), name), \
        parse_value(m.group(3).strip(), name)
    if kind == "uniform" and not a < b:
        raise InputError(f"{name}: uniform(a, b) needs a < b, got uniform({a:g}, {b:g})")
    if kind == "normal" and not b >= 0:
        raise InputError(f"{name}: normal(mean, sd) needs sd >= 0, got {b:g}")
    return Fill(shape, kind, a, b)


_SHAPED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\[([0-9,\s]+)\]")


def shaped_name(text: str) -> tuple[str, tuple[int, ...]] | None:
    """`W1[16,2]` -> ("W1", (16, 2)); None unless a name and whole positive numbers."""
    m = _SHAPED.fullmatch(text.strip())
    if m is None:
        return None
    dims = tuple(int(d) for d in m.group(2).split(",") if d.strip())
    if not dims or min(dims) < 1 or len(dims) != m.group(2).count(",") + 1:
        raise InputError(f"{text.strip()}: a shape is whole numbers from 1, such as W[16,2]")
    return m.group(1), dims


def family_value(name: str, text: str, shape: tuple[int, ...] | None) -> Any:
    """A NAME=VALUE value that is an array or a fill (or a number for a shaped name); None
    for a plain value (a number or constant expression, read as today)."""
    t = text.strip()
    if t.startswith("["):
        if shape is not None:
            raise InputError(f"{name}[...]=: give the array alone, {name}=[...] (its shape is "
                             "its own)")
        return array_text(t, name)
    fill = fill_text(t, name, shape)
    if fill is not None:
        return fill
    if shape is not None:
        from .values import parse_value

        return Fill(shape, "const", parse_value(t, name))
    return None


def seeded(values: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Every fill to be drawn with `seed`."""
    return {k: v._replace(seed=seed) if type(v) is Fill and v.seed is None else v
            for k, v in values.items()}


def flat(value: Any, shape: tuple[int, ...], name: str) -> list[float | str]:
    """A family's value as its elements' values, row-major: an Array of that shape, a Fill
    drawn, or one number for every element."""
    count = math.prod(shape)
    if type(value) is Array:
        if value.shape != shape:
            raise InputError(f"{name} is given shape {shape_text(value.shape)}, but the "
                             f"program reads it as shape {shape_text(shape)}")
        return list(value.values)
    if type(value) is Fill:
        if value.shape is not None and value.shape != shape:
            raise InputError(f"{name} is given shape {shape_text(value.shape)}, but the "
                             f"program reads it as shape {shape_text(shape)}")
        if value.kind == "const":
            return [value.a] * count
        import random  # only to draw: keeps start-up lean

        rng = random.Random(f"{value.seed or 0}/{name}")
        draw = rng.uniform if value.kind == "uniform" else rng.gauss
        return [draw(value.a, value.b) for _ in range(count)]
    if isinstance(value, float | int | str):
        return [value] * count
    raise InputError(f"value of {name} is not a number or an array: {value!r}")


def fold(flat_values: Sequence[Any], shape: Sequence[int]) -> list[Any]:
    """Row-major values -> nested lists of `shape`."""
    items: list[Any] = list(flat_values)
    for n in reversed(shape[1:]):
        items = [items[i:i + n] for i in range(0, len(items), n)]
    return items


def keys(shape: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Every index of `shape`, row-major, from 1."""
    import itertools

    return itertools.product(*[range(1, s + 1) for s in shape])
