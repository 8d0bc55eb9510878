"""Start-up benchmark for the bpcalc command line.

Measures whole-process wall time (subprocess + time.perf_counter, from spawn to
exit) of:

  (a) python -c "import click"                           baseline: Python + click
  (b) bpcalc grad "(a+b)*(b+1)" a=2 b=1 --format json    console script, and
      python -m bpcalc grad ...                          the same through -m
  (c) bpcalc --help
  (d) python -c "import click, rich.console, rich.table, rich.tree"
                                                         baseline for a rich view
  (e) bpcalc grad "(a+b)*(b+1)" a=2 b=1 --format table   the rich view, against (d)

"python" is sys.executable (the venv's interpreter) and "bpcalc" is the console
script next to it, so run this with the venv's Python. Each command gets 2
warm-up runs, then --runs timed runs (default 10); the runs are interleaved
across commands so that drift in machine load hits all of them alike. The
measured commands' stdin, stdout and stderr are /dev/null; (b) is checked once
beforehand (exit status 0, "gradient" in its output). The commands inherit the
environment, so PYTHONDONTWRITEBYTECODE / PYTHONPYCACHEPREFIX apply to them; the
output says which, since bpcalc's own modules have no .pyc in an editable install
unless Python may write one.

Prints a markdown table: median and minimum in ms, the ratio of the median to
its baseline ((a), or (d) for (e)), and the targets: (b) 1.5x, (c) 1.3x, (e) 1.5x.

Run from the repository root:

    .venv/bin/python benchmarks/startup.py             # 10 runs per command
    .venv/bin/python benchmarks/startup.py --runs 20
    env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=/tmp/bpcalc-pyc \\
        .venv/bin/python benchmarks/startup.py --runs 20   # with bytecode caching
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

WARMUP = 2
EXPR_ARGS = ["grad", "(a+b)*(b+1)", "a=2", "b=1", "--format", "json"]


def console_script() -> str:
    """The bpcalc console script installed next to the running interpreter."""
    bindir = Path(sys.executable).parent  # not resolved: a venv's python is a symlink
    for name in ("bpcalc", "bpcalc.exe"):
        path = bindir / name
        if path.is_file():
            return str(path)
    sys.exit(f"error: no bpcalc console script in {bindir}; run this with the venv's python")


def commands(bpcalc: str) -> list[tuple[str, list[str], float | None, int]]:
    """(label, argv, target ratio to the baseline or None, index of the baseline)."""
    py = sys.executable
    return [
        ("(a) python -c 'import click'", [py, "-c", "import click"], None, 0),
        ("(b) bpcalc grad ... --format json", [bpcalc, *EXPR_ARGS], 1.5, 0),
        ("(b) python -m bpcalc grad ... --format json", [py, "-m", "bpcalc", *EXPR_ARGS], 1.5, 0),
        ("(c) bpcalc --help", [bpcalc, "--help"], 1.3, 0),
        ("(d) python -c 'import click, rich.console, rich.table, rich.tree'",
         [py, "-c", "import click, rich.console, rich.table, rich.tree"], None, 4),
        ("(e) bpcalc grad ... --format table", [bpcalc, *EXPR_ARGS[:-1], "table"], 1.5, 4),
    ]


def check(argv: list[str]) -> None:
    """Run argv once with output captured; exit if it fails or lacks "gradient"."""
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0 or not any(w in proc.stdout for w in ("gradient", "Gradient")):
        sys.exit(f"error: {shlex.join(argv)} exited {proc.returncode}\n"
                 f"stdout: {proc.stdout[:500]}\nstderr: {proc.stderr[:500]}")


def run_once(argv: list[str]) -> float:
    """Wall time of one whole process, in seconds."""
    start = time.perf_counter()
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"error: {shlex.join(argv)} exited {proc.returncode}")
    return elapsed


def measure(argvs: list[list[str]], runs: int) -> list[list[float]]:
    """Per command, `runs` timings after WARMUP untimed runs, interleaved round-robin."""
    for _ in range(WARMUP):
        for argv in argvs:
            run_once(argv)
    times: list[list[float]] = [[] for _ in argvs]
    for _ in range(runs):
        for i, argv in enumerate(argvs):
            times[i].append(run_once(argv))
    return times


def table(rows: list[tuple[str, list[float], float | None, int]]) -> str:
    lines = ["| command | median ms | min ms | ratio to its baseline | target |",
             "|---|---:|---:|---:|---|"]
    for label, times, target, base in rows:
        median = statistics.median(times)
        ratio = median / statistics.median(rows[base][1])
        goal = "" if target is None else (
            f"<= {target:.1f}x ({'met' if ratio <= target else 'missed'})")
        lines.append(f"| `{label}` | {median * 1e3:.1f} | {min(times) * 1e3:.1f} "
                     f"| {ratio:.2f}x | {goal} |")
    return "\n".join(lines)


def bytecode_note() -> str:
    """How the measured processes cache bytecode (they inherit this environment)."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return ("off (PYTHONDONTWRITEBYTECODE is set: modules without a .pyc, such as an "
                "editable install's, are compiled from source on every run)")
    if os.environ.get("PYTHONPYCACHEPREFIX"):
        return f"on, under PYTHONPYCACHEPREFIX={os.environ['PYTHONPYCACHEPREFIX']}"
    return "on (__pycache__ next to the sources)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, metavar="N",
                        help="timed runs per command (default 10), after 2 warm-up runs")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    cmds = commands(console_script())
    for _, argv, _, _ in cmds:
        if "grad" in argv:
            check(argv)

    times = measure([argv for _, argv, _, _ in cmds], args.runs)

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"python {platform.python_version()} ({sys.executable}), "
          f"nproc {cpus}, {platform.platform()}")
    print(f"{args.runs} runs per command after {WARMUP} warm-up runs, interleaved; "
          f"wall time of the whole process")
    print(f"bytecode cache: {bytecode_note()}\n")
    print(table([(label, t, target, base) for (label, _, target, base), t in zip(cmds, times)]))
    print("\nExact commands:")
    for label, argv, _, _ in cmds:
        print(f"  {label[:3]} {shlex.join(argv)}")


if __name__ == "__main__":
    main()
