"""The table view of a big program against its JSON (issue 25): a chain of N statements
(`y = x`, then `y = tanh(y)` N-1 times: N nodes, N-1 edges, one reverse pass), `bpcalc
grad -f FILE x=0.5` as `--format table` (80 columns, no colour) and as `--json`, each in a
fresh process: CPU seconds (user + system, the machine being shared) and peak memory
(max RSS), and the lines written. Target: the table at most 3x the JSON's time at 10^5
statements, memory within a few times the JSON's.

    .venv/bin/python benchmarks/big_table.py [--sizes 1000,10000,100000] [--runs 3]
        [--bpcalc PATH]   # another checkout's bpcalc, for the figures before
        [--timeout 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def program(n: int) -> str:
    return "y = x\n" + "y = tanh(y)\n" * (n - 1)


def run(cmd: list[str], timeout: float) -> tuple[float, float, int, int] | None:
    """(wall s, cpu s, max RSS MB, lines out) of one run, or None past `timeout`."""
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    with tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t > timeout:
                p.kill()
                os.wait4(p.pid, 0)
                return None
            time.sleep(0.02)
        wall = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(cmd)} failed")
        out.seek(0)
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: out.read(1 << 20), b""))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bpcalc", default=str(Path(sys.executable).with_name("bpcalc")))
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    print("| statements | table cpu s | table MB | table lines | json cpu s | json MB "
          "| table / json time |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in map(int, args.sizes.split(",")):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(program(n))
        base = [args.bpcalc, "grad", "-f", f.name, "x=0.5"]
        got: dict[str, list[tuple[float, float, int, int]]] = {"table": [], "json": []}
        for _ in range(args.runs):
            for kind, extra in (("table", ["--format", "table"]), ("json", ["--json"])):
                r = run(base + extra, args.timeout)
                if r is not None:
                    got[kind].append(r)
        os.unlink(f.name)

        cpu = {k: f"{statistics.median(r[1] for r in v):.2f}" if v else
               f"> {args.timeout:g} (killed)" for k, v in got.items()}
        mb = {k: f"{max(r[2] for r in v)}" if v else "-" for k, v in got.items()}
        lines = f"{got['table'][0][3]:,}" if got["table"] else "-"
        ratio = "-"
        if got["table"] and got["json"]:
            times = [statistics.median(r[1] for r in got[k]) for k in ("table", "json")]
            ratio = f"{times[0] / times[1]:.2f}x"
        print(f"| {n:,} | {cpu['table']} | {mb['table']} | {lines} | {cpu['json']} | "
              f"{mb['json']} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
