"""`bpcalc diff` against `python -c "import sympy"` (issue 17), whole processes.

Targets: the neuron (examples/neuron.txt) within 2.5x of importing SymPy, the 2-2-2-1
network (examples/net.txt) within 5x, each with status ok (no budget skip). Timed: the
factored formulas (`diff`, no SymPy), the same with `--expand` (SymPy's derivative in
the inputs, only factor_terms), and with a point and `--check`. Each command runs
`--repeat` times after a pause (the machine is shared); the fastest run counts. It prints
a markdown section and writes no file:

    .venv/bin/python benchmarks/formulas.py [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BPCALC = [sys.executable, "-m", "bpcalc"]
CASES = {  # name: (program file, point file, target ratio)
    "neuron": ("examples/neuron.txt", "examples/neuron.json", 2.5),
    "2-2-2-1 network": ("examples/net.txt", "examples/net.json", 5.0),
}


def best(cmd: list[str], repeat: int) -> tuple[float, str]:
    time.sleep(1.0)
    times, out = [], ""
    for _ in range(repeat):
        t = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        out = done.stdout
        if done.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr}")
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    repeat = ap.parse_args().repeat
    started = datetime.now(timezone.utc)
    sympy, _ = best([sys.executable, "-c", "import sympy"], repeat)
    rows = []
    for name, (program, point, target) in CASES.items():
        for label, extra in (("diff", []), ("diff --expand", ["--expand"]),
                             ("diff POINT --check", ["--point", point, "--check"])):
            t, out = best([*BPCALC, "diff", "-f", program, "--json", *extra], repeat)
            status = json.loads(out).get("expanded_status", "ok")
            ratio = t / sympy
            verdict = "met" if ratio <= target and status == "ok" else "**missed**"
            rows.append(f"| {name} | `{label}` | {t:.3f} | {ratio:.2f}x | <= {target}x | "
                        f"{status} | {verdict} |")
    print("## Formulas (`bpcalc diff`)\n")
    print("`.venv/bin/python benchmarks/formulas.py`\n")
    print(f"- Date: {started:%Y-%m-%d %H:%M} UTC; best of {repeat} whole-process runs")
    print(f"- Baseline: `python -c \"import sympy\"` {sympy:.3f} s\n")
    print("| program | command | s | / import sympy | target | SymPy status | |")
    print("|---|---|---:|---:|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
