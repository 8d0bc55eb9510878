"""The emitted Python gradient against the plain function (issue 15).

A program of about 10^4 nodes (W2's chain `x = sin(x)*a + b`, 3,333 steps: 10,002 nodes),
emitted twice by `bpcalc emit`: with its gradient (reverse mode, and forward mode over
its 3 inputs) and with no derivative at all (`wrt=[]`: the forward sweep alone, the plain
function). Each is called in-process, best of --repeat runs of --calls calls. Target:
gradient / plain <= 5 (the Baur–Strassen bound: a gradient costs a small constant times
the function). It prints a markdown section and writes no file:

    .venv/bin/python benchmarks/emit.py [--steps N] [--repeat K] [--calls C]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from bpcalc.analysis import grad, load  # noqa: E402
from bpcalc.emitter import emit  # noqa: E402


def timed(fn, args: list[float], repeat: int, calls: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        best = min(best, (time.perf_counter() - t) / calls)
    return best


def function(code: str, name: str):
    env: dict = {}
    exec(compile(code, "<emitted>", "exec"), env)
    return env[name]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=3333)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--calls", type=int, default=20)
    a = ap.parse_args()
    program = "x = x0\n" + "x = sin(x)*a + b\n" * a.steps
    graph = load(program).graph()
    point = {"x0": 0.5, "a": 0.9, "b": 0.1}
    args = [point[n] for n, _ in graph.inputs]
    plain = function(emit(graph, "python", wrt=[]).code, "f_grad")
    rows = []
    t_plain = timed(plain, args, a.repeat, a.calls)
    want = grad(graph, point, "reverse").jacobian["x"]
    for mode in ("reverse", "forward"):
        f = function(emit(graph, "python", mode).code, "f_grad")
        value, derivs = f(*args)
        assert all(abs(d - want[w]) <= 1e-12 * max(1, abs(d)) for d, w in
                   zip(derivs, ("x0", "a", "b"))), (derivs, want)
        t = timed(f, args, a.repeat, a.calls)
        ratio = t / t_plain
        rows.append(f"| {mode} | {t * 1e3:.2f} | {t_plain * 1e3:.2f} | {ratio:.2f}x | "
                    f"{'met' if ratio <= 5 else '**missed**'} |")
    print("## Emitted code (`bpcalc emit`)\n")
    print("`.venv/bin/python benchmarks/emit.py`\n")
    print(f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; W2 chain of {a.steps:,} "
          f"steps ({len(graph.keys):,} nodes), best of {a.repeat} runs of {a.calls} calls\n")
    print("| emitted gradient | ms a call | plain function ms | gradient / plain | <= 5x |")
    print("|---|---:|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
