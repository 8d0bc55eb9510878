"""Hessian cost against the gradient's (issue 5): for a function of 100 inputs, the time of
`bpcalc hessian` (forward-over-reverse, one pass per input) divided by 100 times the time
of `bpcalc grad` (one reverse pass) on the same graph. Target: at most 5.

Both are timed in-process from source text to result (parse, build, evaluate,
differentiate), median of --repeat runs, and also as the core alone (graph already built
and evaluated: one reverse pass against the Hessian's passes).

    .venv/bin/python benchmarks/hessian.py [--inputs 100] [--repeat 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from bpcalc import analysis, second
from bpcalc.analysis import load
from bpcalc.evaluate import evaluate
from bpcalc.modes import hessian, reverse


def function(n: int) -> tuple[str, dict[str, str]]:
    """A dense-ish function of n inputs: pairwise products, smooth nonlinearities, a sum."""
    rng = random.Random(1)
    terms = []
    for i in range(n):
        j = (i + 1) % n
        terms.append(f"sin(x{i})*x{j} + exp(x{i}*{rng.uniform(0.1, 0.3):.3f}) + "
                     f"tanh(x{i} - x{(i + 7) % n})^2")
    return " + ".join(terms), {f"x{i}": f"{rng.uniform(-1, 1):.4f}" for i in range(n)}


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    n = args.inputs
    source, values = function(n)
    t_grad = timed(lambda: analysis.grad(load(source).graph(), values), args.repeat)
    t_hess = timed(lambda: second.hessian_result(load(source), values), args.repeat)
    graph = load(source).graph()
    ev = evaluate(graph, {k: float(v) for k, v in values.items()})
    out = graph.outputs[0][1]
    wrt = [i for _, i in graph.inputs]
    t_rev = timed(lambda: reverse.adjoints(graph, ev.weights, out), args.repeat)
    t_core = timed(lambda: hessian.hessian(graph, ev, wrt, out), args.repeat)
    print(f"{n} inputs, {len(graph.nodes)} nodes, {len(graph.edges)} edges; "
          f"median of {args.repeat} runs")
    print("| measure | time | ratio to n x gradient | target |")
    print("|---|---:|---:|---|")
    print(f"| grad, end to end | {t_grad * 1e3:.2f} ms | | |")
    print(f"| hessian, end to end | {t_hess * 1e3:.2f} ms | {t_hess / (n * t_grad):.2f}x "
          f"| <= 5x ({'met' if t_hess <= 5 * n * t_grad else 'missed'}) |")
    print(f"| one reverse pass (core) | {t_rev * 1e3:.3f} ms | | |")
    print(f"| hessian passes (core) | {t_core * 1e3:.2f} ms | {t_core / (n * t_rev):.2f}x "
          f"| <= 5x ({'met' if t_core <= 5 * n * t_rev else 'missed'}) |")


if __name__ == "__main__":
    main()
