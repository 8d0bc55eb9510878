"""`bpcalc descend` against the same fit written by hand, in micrograd and in PyTorch
(issue 16).

The fit: 3 parameters (a, b, c) of `(a*x^2 + b*x + c - y)^2`, the mean over 10^4 rows,
100 steps of plain gradient descent (lr 0.1) from a = b = c = 0. Timed in-process, best of
--repeat:

* bpcalc: `descend.descend` (it compiles the loss's reverse sweep once, then loops);
* by hand: a pure-Python loop with the gradient derived by hand;
* micrograd: Values per row, `backward()` per row, gradients summed (its usual loop);
* PyTorch: scalar tensors per row, `backward()` per row.

micrograd and PyTorch take seconds per step at 10^4 rows, so they run --peer-steps steps
and the time is scaled to 100 (said so in the table). Every run's final parameters are
checked against the hand loop's (1e-9). Target: bpcalc within 3x of the hand loop, and
faster than micrograd and PyTorch. It prints a markdown section and writes no file:

    .venv/bin/python benchmarks/descend.py [--rows N] [--repeat K] [--peer-steps S]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from bpcalc import descent as dsc  # noqa: E402
from bpcalc.analysis import load  # noqa: E402

LOSS = "(a*x^2 + b*x + c - y)^2"
STEPS, LR = 100, 0.1


def data(n: int) -> list[tuple[float, float]]:
    rng = random.Random(5)
    rows = []
    for _ in range(n):
        x = rng.uniform(-1, 1)
        rows.append((x, 0.5 * x * x - 1.5 * x + 0.25 + rng.gauss(0, 0.05)))
    return rows


def by_hand(rows: list[tuple[float, float]], steps: int) -> list[float]:
    a = b = c = 0.0
    n = len(rows)
    for _ in range(steps):
        ga = gb = gc = 0.0
        for x, y in rows:
            r = 2.0 * (a * x * x + b * x + c - y)
            ga += r * x * x
            gb += r * x
            gc += r
        a, b, c = a - LR * ga / n, b - LR * gb / n, c - LR * gc / n
    return [a, b, c]


def with_bpcalc(rows: list[tuple[float, float]], steps: int) -> list[float]:
    r = dsc.descend(load(LOSS), {"a": 0.0, "b": 0.0, "c": 0.0}, rows, ["x", "y"], {}, lr=LR,
                    steps=steps, until=0.0, every=steps)
    return [r.final.params[k] for k in "abc"]


def with_micrograd(rows: list[tuple[float, float]], steps: int) -> list[float]:
    from micrograd.engine import Value

    a = b = c = 0.0
    n = len(rows)
    for _ in range(steps):
        ga = gb = gc = 0.0
        for x, y in rows:
            pa, pb, pc = Value(a), Value(b), Value(c)
            d = pa * (x * x) + pb * x + pc - y
            loss = d * d
            loss.backward()
            ga, gb, gc = ga + pa.grad, gb + pb.grad, gc + pc.grad
        a, b, c = a - LR * ga / n, b - LR * gb / n, c - LR * gc / n
    return [a, b, c]


def with_torch(rows: list[tuple[float, float]], steps: int) -> list[float]:
    import torch

    torch.set_default_dtype(torch.float64)
    a = b = c = 0.0
    n = len(rows)
    for _ in range(steps):
        ga = gb = gc = 0.0
        for x, y in rows:
            pa, pb, pc = (torch.tensor(v, requires_grad=True) for v in (a, b, c))
            d = pa * (x * x) + pb * x + pc - y
            (d * d).backward()
            ga, gb, gc = ga + pa.grad.item(), gb + pb.grad.item(), gc + pc.grad.item()
        a, b, c = a - LR * ga / n, b - LR * gb / n, c - LR * gc / n
    return [a, b, c]


def best(fn, rows, steps: int, repeat: int) -> tuple[float, list[float]]:
    times, got = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        got = fn(rows, steps)
        times.append(time.perf_counter() - t)
    return min(times), got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-steps", type=int, default=2)
    a = ap.parse_args()
    rows = data(a.rows)
    t_hand, want = best(by_hand, rows, STEPS, a.repeat)
    t_bp, got = best(with_bpcalc, rows, STEPS, a.repeat)
    assert all(abs(g - w) <= 1e-9 for g, w in zip(got, want)), (got, want)
    short = by_hand(rows, a.peer_steps)
    table = [("by hand (pure Python, gradient derived by hand)", t_hand, "100 steps"),
             ("bpcalc descend", t_bp, "100 steps")]
    for name, fn in (("micrograd", with_micrograd), ("PyTorch, scalar tensors", with_torch)):
        try:
            t, peer = best(fn, rows, a.peer_steps, 1)
        except ImportError:
            continue
        assert all(abs(g - w) <= 1e-9 for g, w in zip(peer, short)), (name, peer, short)
        scaled = f"{a.peer_steps} steps, x{STEPS // a.peer_steps}"
        table.append((name, t * STEPS / a.peer_steps, scaled))
    print("## Gradient descent (`bpcalc descend`)\n")
    print("`.venv/bin/python benchmarks/descend.py`\n")
    print(f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; `{LOSS}`, 3 parameters, "
          f"{a.rows:,} rows, {STEPS} steps of sgd (lr {LR}); in-process, best of {a.repeat}\n")
    print("| loop | s for 100 steps | / bpcalc | measured |")
    print("|---|---:|---:|---|")
    for name, t, how in table:
        print(f"| {name} | {t:.2f} | {t / t_bp:.2f}x | {how} |")
    ratio = t_bp / t_hand
    print(f"\nbpcalc / by hand: {ratio:.2f}x (target <= 3x: {'met' if ratio <= 3 else 'missed'}); "
          "faster than micrograd and PyTorch: "
          + ("met" if all(t > t_bp for n, t, _ in table[2:]) else "missed"))


if __name__ == "__main__":
    main()
