"""Batch throughput: bpcalc's per-point time against plain Python doing the same work.

Cases (inputs generated in a temporary directory, fixed random seed):

  seed     (a+b)*(b+1) over 10^5 JSON Lines points {"a": .., "b": ..}. Baseline: a plain
           script that reads the same file and per line does json.loads, the value and the
           hand-written gradient, and json.dumps. Target: bpcalc <= 3x.
  loss-c   sum_i (w*x_i - y_i)^2, 100 terms, over 10^4 points {"w": ..}; x_i and y_i are
           NAME=VALUE constants and --wrt w. Baseline: json.loads, a hand-written loop for the
           loss and dL/dw, json.dumps. Target: bpcalc <= 5x.
  loss-p   the same loss with x_i, y_i given per point (201 keys a line) and the full
           gradient (201 entries). Baseline: the same loop with every partial.

Measured, per case, interleaved, `--repeat` times (median per point):

  baseline       the plain Python script (in this process)
  loop only      (loss cases) the baseline's arithmetic alone, points already in memory
  bpcalc         batch.run_batch in this process: the compiled fast path
  calls only     the same with every op called from the table (no operator spelling)
  gc.disable()   the same with the cyclic garbage collector off during the batch
  gc.freeze()    the same after gc.freeze() (start-up objects out of the collector's way)
  engine         (before) every point through engine.grad, on the first --engine-points
  CLI            `bpcalc grad EXPR ... --batch FILE` as a subprocess, start-up included,
                 once the CLI has the flag (else skipped, with a note)

Every bpcalc output is checked against the baseline's numbers (1e-12 relative) first.

    .venv/bin/python benchmarks/batch.py               # full sizes, 3 repeats
    .venv/bin/python benchmarks/batch.py --scale 0.1   # a tenth of the points
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bpcalc.analysis import load
from bpcalc.compile.batch import run_batch

TERMS = 100


def seed_baseline(path: str, out: str) -> None:
    loads, dumps = json.loads, json.dumps
    with open(path) as f, open(out, "w") as o:
        write = o.write
        for line in f:
            p = loads(line)
            a, b = p["a"], p["b"]
            c = a + b
            d = b + 1
            e = c * d
            write(dumps({"value": e, "gradient": {"a": d, "b": d + c}}) + "\n")


def loss_const_baseline(xs: list[float], ys: list[float]) -> Callable[[str, str], None]:
    def run(path: str, out: str) -> None:
        loads, dumps = json.loads, json.dumps
        pairs = list(zip(xs, ys))
        with open(path) as f, open(out, "w") as o:
            write = o.write
            for line in f:
                w = loads(line)["w"]
                loss = g = 0.0
                for x, y in pairs:
                    r = w * x - y
                    loss += r * r
                    g += 2.0 * r * x
                write(dumps({"value": loss, "gradient": {"w": g}}) + "\n")
    return run


def loss_point_baseline(path: str, out: str) -> None:
    loads, dumps = json.loads, json.dumps
    keys = [(f"x{i}", f"y{i}") for i in range(TERMS)]
    with open(path) as f, open(out, "w") as o:
        write = o.write
        for line in f:
            p = loads(line)
            w = p["w"]
            loss = gw = 0.0
            grad = {"w": 0.0}
            for kx, ky in keys:
                x, y = p[kx], p[ky]
                r = w * x - y
                loss += r * r
                gw += 2.0 * r * x
                grad[kx] = 2.0 * r * w
                grad[ky] = -2.0 * r
            grad["w"] = gw
            write(dumps({"value": loss, "gradient": grad}) + "\n")


def loop_only_const(ws: list[float], xs: list[float], ys: list[float]) -> None:
    pairs = list(zip(xs, ys))
    for w in ws:
        loss = g = 0.0
        for x, y in pairs:
            r = w * x - y
            loss += r * r
            g += 2.0 * r * x


def loop_only_point(points: list[dict[str, float]]) -> None:
    keys = [(f"x{i}", f"y{i}") for i in range(TERMS)]
    for p in points:
        w = p["w"]
        loss = gw = 0.0
        grad = {}
        for kx, ky in keys:
            x, y = p[kx], p[ky]
            r = w * x - y
            loss += r * r
            gw += 2.0 * r * x
            grad[kx] = 2.0 * r * w
            grad[ky] = -2.0 * r


class Case:
    def __init__(self, name: str, expr: str, points: list[dict[str, float]],
                 constants: dict[str, str], wrt: list[str] | None,
                 baseline: Callable[[str, str], None], target: float,
                 loop: Callable[[], None] | None, tmp: Path) -> None:
        self.name, self.expr, self.points = name, expr, points
        self.constants, self.wrt, self.baseline = constants, wrt, baseline
        self.target, self.loop = target, loop
        self.path = str(tmp / f"{name}.jsonl")
        self.out = str(tmp / f"{name}.out")
        with open(self.path, "w") as fh:
            fh.writelines(json.dumps(p) + "\n" for p in points)

    def bpcalc(self, gc_mode: str = "on", **kw) -> Callable[[], None]:
        def run() -> None:
            if gc_mode == "disable":
                gc.disable()
            elif gc_mode == "freeze":
                gc.freeze()
            try:
                with open(self.path) as f, open(self.out, "w") as o:
                    summary = run_batch(load(self.expr), f, "jsonl", self.constants, "reverse",
                                        self.wrt, None, o, None, **kw)
            finally:
                gc.enable()
                gc.unfreeze()
            assert summary.failed == 0, summary
        return run

    def engine(self, n: int) -> Callable[[], None]:
        def run() -> None:
            with open(self.path) as f, open(self.out, "w") as o:
                lines = [next(f) for _ in range(n)]
                run_batch(load(self.expr), lines, "jsonl", self.constants, "reverse", self.wrt,
                          None, o, None, compiled=False)
        return run

    def cli_argv(self, bpcalc: str) -> list[str]:
        argv = [bpcalc, "grad", self.expr, *(f"{k}={v}" for k, v in self.constants.items())]
        if self.wrt:
            argv += ["--wrt", ",".join(self.wrt)]
        return argv + ["--batch", self.path]

    def cli(self, argv: list[str]) -> Callable[[], None]:
        def run() -> None:
            with open(self.out, "w") as o:
                subprocess.run(argv, stdout=o, stdin=subprocess.DEVNULL, check=True)
        return run


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def same_numbers(path_a: str, path_b: str) -> bool:
    with open(path_a) as fa, open(path_b) as fb:
        for la, lb in zip(fa, fb, strict=True):
            a, b = json.loads(la), json.loads(lb)
            if not close(a["value"], b["value"]) or a["gradient"].keys() != b["gradient"].keys():
                return False
            if not all(close(a["gradient"][k], b["gradient"][k]) for k in a["gradient"]):
                return False
    return True


def timed(fn: Callable[[], None]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def cli_with_batch() -> str | None:
    """The bpcalc console script next to this Python, if its grad command has --batch."""
    path = Path(sys.executable).parent / "bpcalc"
    if not path.is_file():
        return None
    proc = subprocess.run([str(path), "grad", "--help"], capture_output=True, text=True)
    return str(path) if "--batch" in proc.stdout else None


def make_cases(tmp: Path, scale: float) -> list[Case]:
    rng = random.Random(5)
    n_seed, n_loss = max(1, int(100_000 * scale)), max(1, int(10_000 * scale))
    seed_points = [{"a": rng.uniform(-10, 10), "b": rng.uniform(-10, 10)} for _ in range(n_seed)]
    loss = " + ".join(f"(w*x{i} - y{i})^2" for i in range(TERMS))
    xs = [rng.uniform(-1, 1) for _ in range(TERMS)]
    ys = [2.0 * x + rng.gauss(0, 0.1) for x in xs]
    consts = {**{f"x{i}": repr(x) for i, x in enumerate(xs)},
              **{f"y{i}": repr(y) for i, y in enumerate(ys)}}
    ws = [rng.uniform(0, 4) for _ in range(n_loss)]
    per_point = []
    for w in ws:
        p = {"w": w}
        for i in range(TERMS):
            x = rng.uniform(-1, 1)
            p[f"x{i}"], p[f"y{i}"] = x, 2.0 * x + rng.gauss(0, 0.1)
        per_point.append(p)
    return [
        Case("seed", "(a+b)*(b+1)", seed_points, {}, None, seed_baseline, 3.0, None, tmp),
        Case("loss-c", loss, [{"w": w} for w in ws], consts, ["w"],
             loss_const_baseline(xs, ys), 5.0, lambda: loop_only_const(ws, xs, ys), tmp),
        Case("loss-p", loss, per_point, {}, None, loss_point_baseline, 5.0,
             lambda: loop_only_point(per_point), tmp),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the full point counts")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engine-points", type=int, default=2000,
                    help="points timed through engine.grad (the slow path) per case")
    args = ap.parse_args()
    bpcalc = cli_with_batch()
    print(f"- Python {platform.python_version()}, {platform.machine()}, nproc {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"- command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    if bpcalc is None:
        print("- CLI: `bpcalc grad --help` has no --batch yet: only in-process runs are timed")
    with tempfile.TemporaryDirectory() as tmp:
        for case in make_cases(Path(tmp), args.scale):
            report(case, args.repeat, args.engine_points, bpcalc)


def report(case: Case, repeat: int, engine_points: int, bpcalc: str | None) -> None:
    n = len(case.points)
    base_out = case.out + ".base"
    case.baseline(case.path, base_out)
    runs: dict[str, tuple[Callable[[], None], int]] = {
        "baseline": (lambda: case.baseline(case.path, base_out), n),
        "bpcalc": (case.bpcalc(), n),
        "calls only": (case.bpcalc(spell=False), n),
        "gc.disable()": (case.bpcalc("disable"), n),
        "gc.freeze()": (case.bpcalc("freeze"), n),
        "engine": (case.engine(min(n, engine_points)), min(n, engine_points)),
    }
    if case.loop is not None:
        runs["loop only"] = (case.loop, n)
    if bpcalc is not None:
        runs["CLI"] = (case.cli(case.cli_argv(bpcalc)), n)
    if "CLI" in runs:
        try:
            runs["CLI"][0]()
            ok = same_numbers(case.out, base_out)
        except (subprocess.CalledProcessError, ValueError, KeyError) as exc:
            ok = False
            print(f"- {case.name}: the CLI run failed ({exc})")
        if not ok:
            print(f"- {case.name}: CLI output unusable: timing in-process only")
            del runs["CLI"]
    for label in ("bpcalc", "calls only"):
        runs[label][0]()
        if not same_numbers(case.out, base_out):
            sys.exit(f"{case.name}: {label} output differs from the baseline's numbers")
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeat):
        for label, (fn, count) in runs.items():
            times[label].append(timed(fn) / count)
    med = {k: statistics.median(v) for k, v in times.items()}
    # Ratios round by round (each round runs everything once, back to back), then the
    # median: steadier than a ratio of medians when the machine's load drifts.
    ratio = {k: statistics.median(t / b for t, b in zip(v, times["baseline"]))
             for k, v in times.items()}
    print(f"\n### {case.name}: {case.expr[:60]}{'...' if len(case.expr) > 60 else ''}, "
          f"{n} points\n")
    print("| run | µs/point (median) | min | ratio to baseline (median of rounds) |")
    print("|---|---:|---:|---:|")
    for label in runs:
        note = ""
        if label == "bpcalc":
            met = "met" if ratio[label] <= case.target else "missed"
            note = f" (target <= {case.target:g}x: {met})"
        print(f"| {label} | {med[label] * 1e6:.2f} | {min(times[label]) * 1e6:.2f} "
              f"| {ratio[label]:.2f}x{note} |")
    if case.loop is not None:
        loop = statistics.median(t / b for t, b in zip(times["bpcalc"], times["loop only"]))
        print(f"\nbpcalc / loop only: {loop:.2f}x")


if __name__ == "__main__":
    main()
