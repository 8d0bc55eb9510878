"""The workloads of issue 6, each as bpcalc program text and as equivalent Python code.

* W1 the seed `(a+b)*(b+1)` at a = 2, b = 1.
* W2 a deep chain `x_{k+1} = sin(x_k)*a + b`: the program `x = x0` then `x = sin(x)*a + b`
  once a step; inputs x0, a, b; 3 nodes a step (sin, mul, add).
* W3 a wide loss `sum_i (w_i*x_i - y_i)^2`: one statement a term (`loss = ...` then
  `loss += ...`); x_i and y_i are numbers in the text, so only the w_i are inputs;
  5 nodes a term (input, mul, sub, pow, add) less one add.
* W4 a shared DAG `y = y*y + y` repeated k times: 2 nodes a level, 3^k paths from y.

Everything is deterministic: the data of W3 come from `random.Random(6)` and the points
are fixed. The Python code is peer-agnostic: it defines `VALUES` (the point) and
`build(leaf, sin)`, which makes each input with `leaf(name)`, builds the output with the
operators `+ - * **` and the function `sin` it is given, and returns the output and a
dict of the inputs. A peer (micrograd, PyTorch, SymPy) supplies `leaf` and `sin`. The
Python code loops where the program text is unrolled: that is how a user writes it.

`reference_gradient` computes the exact gradient with a plain loop, so that every tool's
answer can be checked. Constants are not graph nodes in bpcalc (`w*0.5` is one node), so
`nodes` counts inputs and operations; the runner checks the formula against bpcalc.

    python benchmarks/workloads.py W2 3       # print one workload's text and code
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass, field

KEYS = ("W1", "W2", "W3", "W4")
TITLES = {
    "W1": "seed (a+b)*(b+1)",
    "W2": "deep chain x = sin(x)*a + b",
    "W3": "wide loss sum (w_i*x_i - y_i)^2",
    "W4": "shared DAG y = y*y + y",
}
UNITS = {"W1": "", "W2": "steps", "W3": "terms", "W4": "levels"}


@dataclass(frozen=True)
class Workload:
    """One workload at one size: bpcalc's text, the peers' Python code, the point."""

    key: str
    size: int  # steps (W2), terms (W3), levels (W4); 1 for W1
    program: str  # bpcalc program text
    python: str  # defines VALUES and build(leaf, sin) -> (output, {name: input})
    values: dict[str, str]  # NAME -> VALUE text, in input order
    nodes: int  # graph nodes in bpcalc: inputs and operations
    data: tuple[tuple[float, float], ...] = field(default=(), repr=False)  # W3's (x_i, y_i)

    @property
    def label(self) -> str:
        unit = UNITS[self.key]
        return f"{self.key} {self.size:,} {unit}".rstrip() if unit else self.key

    def value_args(self) -> list[str]:
        return [f"{k}={v}" for k, v in self.values.items()]


def seed() -> Workload:
    values = {"a": "2", "b": "1"}
    python = (
        f"VALUES = {_floats(values)!r}\n\n"
        "def build(leaf, sin):\n"
        '    a, b = leaf("a"), leaf("b")\n'
        "    return (a + b) * (b + 1), {\"a\": a, \"b\": b}\n"
    )
    return Workload("W1", 1, "(a+b)*(b+1)\n", python, values, 5)


def chain(steps: int) -> Workload:
    values = {"x0": "0.5", "a": "0.9", "b": "0.1"}
    program = "x = x0\n" + "x = sin(x)*a + b\n" * steps
    python = (
        f"VALUES = {_floats(values)!r}\n"
        f"STEPS = {steps}\n\n"
        "def build(leaf, sin):\n"
        '    x0, a, b = leaf("x0"), leaf("a"), leaf("b")\n'
        "    x = x0\n"
        "    for _ in range(STEPS):\n"
        "        x = sin(x) * a + b\n"
        '    return x, {"x0": x0, "a": a, "b": b}\n'
    )
    return Workload("W2", steps, program, python, values, 3 + 3 * steps)


def loss(terms: int) -> Workload:
    rng = random.Random(6)
    data = tuple((float(f"{rng.uniform(0.5, 1.5):.4f}"), float(f"{rng.uniform(0.1, 2.0):.4f}"))
                 for _ in range(terms))
    # one digit a value: 10^5 NAME=VALUE arguments must fit Linux's argv limit (2 MB)
    values = {f"w_{i}": str(1 + i % 3) for i in range(terms)}
    lines = [f"loss = (w_0*{data[0][0]!r} - {data[0][1]!r})^2"]
    lines += [f"loss += (w_{i}*{x!r} - {y!r})^2" for i, (x, y) in enumerate(data) if i]
    python = (
        f"VALUES = {_floats(values)!r}\n"
        f"XS = {[x for x, _ in data]!r}\n"
        f"YS = {[y for _, y in data]!r}\n\n"
        "def build(leaf, sin):\n"
        '    ws = [leaf(f"w_{i}") for i in range(len(XS))]\n'
        "    loss = (ws[0] * XS[0] - YS[0]) ** 2\n"
        "    for w, x, y in zip(ws[1:], XS[1:], YS[1:]):\n"
        "        loss = loss + (w * x - y) ** 2\n"
        '    return loss, {f"w_{i}": w for i, w in enumerate(ws)}\n'
    )
    return Workload("W3", terms, "\n".join(lines) + "\n", python, values, 5 * terms - 1, data)


def dag(levels: int) -> Workload:
    values = {"y": "-0.3"}  # y*y + y = y(y+1) stays in (-1, 0): no overflow at any depth
    python = (
        f"VALUES = {_floats(values)!r}\n"
        f"LEVELS = {levels}\n\n"
        "def build(leaf, sin):\n"
        '    y0 = leaf("y")\n'
        "    y = y0\n"
        "    for _ in range(LEVELS):\n"
        "        y = y * y + y\n"
        '    return y, {"y": y0}\n'
    )
    return Workload("W4", levels, "y = y*y + y\n" * levels, python, values, 1 + 2 * levels)


def make(key: str, size: int) -> Workload:
    """The workload `key` at `size` (ignored for W1)."""
    if key == "W1":
        return seed()
    return {"W2": chain, "W3": loss, "W4": dag}[key](size)


def reference_gradient(w: Workload) -> dict[str, float]:
    """The exact gradient at the point, by a plain loop (the checks' reference)."""
    v = {k: float(s) for k, s in w.values.items()}
    if w.key == "W1":
        return {"a": v["b"] + 1, "b": v["b"] + 1 + v["a"] + v["b"]}
    if w.key == "W2":
        a, b = v["a"], v["b"]
        xs = [v["x0"]]
        for _ in range(w.size):
            xs.append(math.sin(xs[-1]) * a + b)
        g, ga, gb = 1.0, 0.0, 0.0  # adjoint of x_{k+1}, then of x_k
        for x in reversed(xs[:-1]):
            ga += g * math.sin(x)
            gb += g
            g *= a * math.cos(x)
        return {"x0": g, "a": ga, "b": gb}
    if w.key == "W3":
        return {f"w_{i}": 2 * (v[f"w_{i}"] * x - y) * x for i, (x, y) in enumerate(w.data)}
    y, g = v["y"], 1.0
    for _ in range(w.size):
        g *= 2 * y + 1
        y = y * y + y
    return {"y": g}


def path_count(w: Workload) -> dict[str, int]:
    """Paths from each input to the output (exact integers), where easy to state."""
    if w.key == "W4":
        return {"y": 3**w.size}
    if w.key == "W1":
        return {"a": 1, "b": 2}
    if w.key == "W2":
        return {"x0": 1, "a": w.size, "b": w.size}
    return {name: 1 for name in w.values}


def _floats(values: dict[str, str]) -> dict[str, float]:
    return {k: float(s) for k, s in values.items()}


if __name__ == "__main__":
    key, size = (sys.argv[1], int(sys.argv[2])) if len(sys.argv) > 2 else ("W1", 1)
    wl = make(key, size)
    print(f"# {wl.label}: {wl.nodes} nodes; values: {' '.join(wl.value_args())}")
    print(wl.program, end="")
    print("# --- Python ---")
    print(wl.python, end="")
