"""`bpcalc diff` on a chain of N statements against `bpcalc hessian` on the same program
(issue 29: diff grew as N², 45 s at 10,000 statements where hessian took 0.87 s).

The chain `v1 = sin(x)*y + x; v2 = sin(v1)*y + v1; ...` has two inputs, named nodes that
each feed two others, private unnamed ones written out in place, and an input (y) that
feeds every statement. Timed as whole processes, JSON on standard output: `diff`, `diff`
at a point with `--check` (every formula evaluated and compared with the engine), and
`hessian` at that point. Target: diff at 10,000 statements within 3x hessian. The fastest
of --repeat runs counts; a run past --limit seconds is stopped and shown as such. It prints
a markdown section and writes no file:

    .venv/bin/python benchmarks/diff_chain.py [--sizes 1000,4000,10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BPCALC = [sys.executable, "-m", "bpcalc"]
POINT = ["x=0.3", "y=0.7"]
TARGET = 3.0


def chain(n: int) -> str:
    lines = ["v1 = sin(x)*y + x"]
    lines += [f"v{k} = sin(v{k - 1})*y + v{k - 1}" for k in range(2, n + 1)]
    return "\n".join(lines) + "\n"


def best(cmd: list[str], repeat: int, limit: float) -> float | None:
    """The fastest of `repeat` runs in seconds; None when one ran past `limit`."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        try:
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            return None
        times.append(time.perf_counter() - t)
        if done.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr}")
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,4000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--limit", type=float, default=120.0)
    args = ap.parse_args()
    started = datetime.now(timezone.utc)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"chain{n}.txt"
            path.write_text(chain(n))
            f = ["-f", str(path), "--json"]
            t_diff = best([*BPCALC, "diff", *f], args.repeat, args.limit)
            t_check = best([*BPCALC, "diff", *f, *POINT, "--check"], args.repeat, args.limit)
            t_hess = best([*BPCALC, "hessian", *f, *POINT], args.repeat, args.limit)

            def s(t: float | None) -> str:
                return f"{t:.2f}" if t is not None else f"> {args.limit:.0f}"

            ratio = (t_check / t_hess) if t_check and t_hess else None
            verdict = "" if n != 10_000 else \
                "met" if ratio is not None and ratio <= TARGET else "**missed**"
            rows.append(f"| {n:,} | {s(t_diff)} | {s(t_check)} | {s(t_hess)} | "
                        f"{f'{ratio:.2f}x' if ratio else '-'} | {verdict} |")
            print(rows[-1], file=sys.stderr)
    print("## `bpcalc diff` on a chain of statements\n")
    print("`.venv/bin/python benchmarks/diff_chain.py`\n")
    print(f"- Date: {started:%Y-%m-%d %H:%M} UTC; best of {args.repeat} whole-process runs, "
          "JSON out; `v1 = sin(x)*y + x; v2 = sin(v1)*y + v1; ...`, point x=0.3 y=0.7\n")
    print("| statements | diff s | diff POINT --check s | hessian POINT s | "
          "check / hessian | <= 3x at 10,000 |")
    print("|---:|---:|---:|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
