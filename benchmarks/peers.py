"""bpcalc against its peers on the workloads of issue 6, and bpcalc alone in every mode.

What is measured, and how
-------------------------
Every tool runs in its own subprocess, timed by this script from spawn to exit
(`time.perf_counter`, the whole-process wall time); its peak resident memory comes from
GNU `/usr/bin/time -f %M` (without it, from `os.wait4`, an upper bound: Linux carries
the parent's RSS over into a child's `ru_maxrss`). Workloads come from `workloads.py`:
W1 the seed, W2 a deep chain `x = sin(x)*a + b` (10^4 to 10^6 steps, 3 nodes a step),
W3 a wide loss `sum (w_i*x_i - y_i)^2` (10^3 to 10^5 terms, gradient for every w_i),
W4 a shared DAG `y = y*y + y` (paths 3^k, graph 2k + 1 nodes).

* bpcalc: end to end from text, `bpcalc grad -f FILE --point POINT.json --mode M --format
  json`, plus `--fields value,gradient` when `bpcalc grad --help` mentions `--fields`
  (W4 always gets the full JSON, to read its path counts). The point goes in a JSON file
  when the help mentions `--point`, as a user with 10^5 inputs would give it (W1 keeps
  `a=2 b=1`); otherwise as NAME=VALUE arguments. Its start-up is the wall time of W1
  (the fastest of 15 runs); "above start-up" is a run's wall time minus the fastest W1
  run timed just before each of its repeats, per node. bpcalc
  turns Python's cycle collector off itself (its graphs hold no cycles); the row
  "bpcalc, gc on" runs the same command through `python -c` with the collector left
  on, to show what the collector would cost.
* micrograd (`pip install micrograd`): a script builds the Value graph from the
  workload's Python code (micrograd has no sin: the script adds one in the style of its
  relu) and calls `backward()`; it raises the recursion limit, since micrograd's
  topological sort recurses once a node. Run as is and with `gc.disable()`.
* PyTorch: one float64 scalar tensor per node, `requires_grad` on the inputs, then
  `backward()`. Install it here as `pip install torch==2.13.0` (a local CPU build for
  Python 3.11); plain `pip install torch` downloads a CUDA build of several GB, so torch
  is not in the `bench` extra. Skipped with a note when absent.
* SymPy: `diff` by every input, then `lambdify` and one call, capped at 60 s (killed
  after that: "did not finish in 60 s"). Run on its own small sizes, stopping at the
  first that does not finish. At Python's default recursion limit it fails on W2 at
  100 steps (RecursionError), so it runs in a thread with a 1 GiB stack and the limit
  raised to 10^6, to see how far it gets.

Each peer script times its own build + backward (+ reading the gradient out) with
`time.perf_counter`: the "in-process" column; "whole" adds Python's start-up, the
library's import, compiling the script and exit. ns/node divides by bpcalc's graph
nodes for the workload (inputs and operations; micrograd and torch also make objects
for the constants). Every gradient is checked against `workloads.reference_gradient`
(relative error 1e-8). Runs under two seconds are repeated five times and the fastest
is kept: on a shared machine the others mostly measure the neighbours. Runs under 0.3 s
are repeated fifteen times, as the start-up is: "above start-up" subtracts one from the
other, and at the smallest sizes both are mostly start-up. Each series of runs starts
after a pause of SETTLE seconds: right after a peer's process ends (torch, or gigabytes
of micrograd objects), the next second or two runs up to 1.6x slower on this machine.

Also measured: bpcalc's peak RSS on W2 at the largest size, minus that of
`python -c "import click"`, per node (target <= 400 bytes); growth of ns/node (above
start-up) from the smallest to the largest size of W2 and W3 in every mode (target
<= 1.5x; forward mode on W3 is one pass per input, so it is measured with `--wrt w_0`,
one pass, at every size, and with every input at small sizes, per node and pass); W4 at
its largest size in every mode (path counts exact, the listing cut at its bound); and a
cProfile of bpcalc on W2 and W3 (largest sizes up to 10^5) summed by module and stage.

Run from the repository root (not in CI; a full run takes some 10 minutes):

    .venv/bin/pip install -e '.[bench]' && .venv/bin/pip install torch==2.13.0
    .venv/bin/python benchmarks/peers.py                 # full run, writes RESULTS.md
    .venv/bin/python benchmarks/peers.py --quick         # small sizes, prints only
    .venv/bin/python benchmarks/peers.py --only W2,W3 --peers micrograd,torch

The report goes to stdout and, unless `--no-write` (or `--quick` without `--write`),
into `benchmarks/RESULTS.md` between `<!-- peers:start -->` and `<!-- peers:end -->`
(appended when the markers are absent; the rest of the file is left alone).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import pstats
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import workloads as wls

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
START, END = "<!-- peers:start -->", "<!-- peers:end -->"
PEERS = ("micrograd", "torch", "sympy")
SYMPY_CAP = 60.0
SIZES = {"W1": [1], "W2": [10**4, 10**5, 10**6], "W3": [10**3, 10**4, 10**5],
         "W4": [10, 100, 1000, 10**4]}
QUICK = {"W1": [1], "W2": [100, 1000], "W3": [100, 1000], "W4": [10, 100]}
W3_FORWARD = {"full": [100, 1000], "quick": [100]}  # every input: one pass each
SYMPY_SIZES = {"full": {"W1": [1], "W2": [10, 100, 333], "W3": [10, 100, 1000]},
               "quick": {"W1": [1], "W2": [10, 30], "W3": [10, 100]}}
GC_OFF_MAX = 10**5  # the other side of the collector: W2 and W3 up to this size
REPEAT_UNDER = 2.0  # runs shorter than this (s) are repeated; the fastest of 5 is kept
SHORT_UNDER = 0.3  # and runs shorter than this the fastest of 15, as the start-up
SETTLE = 2.0  # seconds of pause before each series of runs (see the docstring)
TOL = 1e-8
# GNU time reports the command's own peak RSS. Without it, os.wait4's ru_maxrss is used,
# and that counts this script's own RSS too: Linux carries it over through fork and exec.
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
FIELDS_FOUND = "found, so bpcalc runs with `--fields value,gradient` (but W4: full JSON)"
FIELDS_ABSENT = ("absent from `bpcalc grad --help`: bpcalc writes its full JSON (nodes, edges, "
                 "adjoints or tangents), and these times include that")

PRELUDE = {
    "micrograd": '''\
import math
import sys

from micrograd.engine import Value

sys.setrecursionlimit(100_000_000)  # micrograd's build_topo recurses once a node


def leaf(name):
    return Value(VALUES[name])


def sin(v):  # micrograd has no sin: one in the style of its relu
    out = Value(math.sin(v.data), (v,), "sin")

    def _backward():
        v.grad += math.cos(v.data) * out.grad
    out._backward = _backward
    return out


def gradient(out, inputs):
    out.backward()
    return {k: v.grad for k, v in inputs.items()}
''',
    "torch": '''\
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402

sin = torch.sin


def leaf(name):
    return torch.tensor(VALUES[name], dtype=torch.float64, requires_grad=True)


def gradient(out, inputs):
    out.backward()
    return {k: v.grad.item() for k, v in inputs.items()}
''',
    "sympy": '''\
import sympy

sin = sympy.sin
leaf = sympy.Symbol


def gradient(out, inputs):
    names = list(inputs)
    syms = [inputs[n] for n in names]
    f = sympy.lambdify(syms, [sympy.diff(out, s) for s in syms], modules="math")
    return {n: float(g) for n, g in zip(names, f(*[VALUES[n] for n in names]))}
''',
}
MAIN = '''
import gc, json, sys, threading, time  # noqa: E401


def run():
    {gc}
    t0 = time.perf_counter()
    out, inputs = build(leaf, sin)
    grad = gradient(out, inputs)
    t1 = time.perf_counter()
    print(json.dumps({{"seconds": t1 - t0, "gradient": grad}}), flush=True)


{runner}
'''
IN_THREAD = '''\
errors = []


def guarded():
    try:
        run()
    except BaseException as e:  # re-raised in the main thread: a traceback and exit 1
        errors.append(e)


sys.setrecursionlimit(1_000_000)  # SymPy's printers and diff recurse over the expression
threading.stack_size(1 << 30)
worker = threading.Thread(target=guarded)
worker.start()
worker.join()
if errors:
    raise errors[0]
'''


@dataclass
class Run:
    workload: wls.Workload
    tool: str  # "bpcalc", "bpcalc, gc on", "micrograd", ...
    mode: str = "reverse"  # reverse | forward | paths | "forward, --wrt w_0"
    wall: float | None = None  # whole process, s
    inproc: float | None = None  # the peer's own build + backward, s
    startup: float | None = None  # bpcalc: W1 timed beside this run, s (see timed)
    rss_kb: int | None = None
    status: str = "ok"  # ok | did not finish in N s | failed: ... | not run: ...
    check: str = ""
    passes: int = 1
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.kind = "quick" if args.quick else "full"
        self.tmp = Path(tempfile.mkdtemp(prefix="bpcalc-peers-"))
        self.bpcalc = console_script()
        helptext = subprocess.run([self.bpcalc, "grad", "--help"], capture_output=True,
                                  text=True).stdout
        self.fields = "--fields" in helptext
        self.point = "--point" in helptext
        self.runs: list[Run] = []
        self.startup = 0.0
        self.baseline_kb = 0
        self.baseline_wall = 0.0
        self.notes: list[str] = []

    # -- processes ------------------------------------------------------------------------

    def spawn(self, argv: list[str], timeout: float, tag: str) -> tuple[float, int, int, bool]:
        """Run argv with stdout and stderr in files; (wall s, exit code, peak RSS KB, killed)."""
        preexec = None
        need = sum(len(a) + 1 for a in argv) + 8 * (len(argv) + len(os.environ) + 2) + sum(
            len(k) + len(v) + 2 for k, v in os.environ.items())
        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        if soft != resource.RLIM_INFINITY and need > soft // 4 - 65536:
            want = min(hard, 4 * need + (1 << 20)) if hard != resource.RLIM_INFINITY \
                else 4 * need + (1 << 20)
            preexec = lambda: resource.setrlimit(resource.RLIMIT_STACK, (want, hard))  # noqa: E731
            self.notes.append(f"{tag}: the command line is {need / 1e6:.1f} MB, over Linux's "
                              "argv limit (a quarter of the stack limit): run with a larger "
                              "stack limit")
        rss = self.tmp / "rss"
        rss.unlink(missing_ok=True)
        if TIME:
            argv = [TIME, "-f", "%M", "-o", str(rss), *argv]
        with open(self.tmp / "out", "wb") as out, open(self.tmp / "err", "wb") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    preexec_fn=preexec, start_new_session=True)
            fired = threading.Event()

            def kill() -> None:
                fired.set()
                os.killpg(proc.pid, signal.SIGKILL)  # the group this run started, by its id
            timer = threading.Timer(timeout, kill)
            timer.start()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            timer.cancel()
        proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
        if TIME and code > 128:  # GNU time exits 128 + N when its command dies of signal N
            code = 128 - code
        try:
            kb = int(rss.read_text().split()[-1]) if TIME else usage.ru_maxrss
        except (OSError, ValueError, IndexError):
            kb = usage.ru_maxrss
        return wall, code, kb, fired.is_set()

    def timed(self, run: Run, argv: list[str], timeout: float,
              paired: list[str] | None = None) -> bytes | None:
        """Fill run's wall, RSS and status from argv (the fastest of 5 runs under
        REPEAT_UNDER seconds, of 15 under SHORT_UNDER); its stdout. With `paired` (bpcalc's
        W1), that runs before each run too, and run.startup is its fastest: the start-up
        this run's "above start-up" subtracts, measured at the same moments."""
        walls: list[tuple[float, int, bytes]] = []
        starts: list[float] = []
        time.sleep(SETTLE)
        for k in range(15):
            if paired is not None:
                starts.append(self.spawn(paired, timeout, "W1")[0])
            wall, code, kb, killed = self.spawn(argv, timeout, run.workload.label)
            if killed:
                run.status = f"did not finish in {timeout:g} s"
                return None
            if code != 0:
                err = (self.tmp / "err").read_text(errors="replace").strip().splitlines()
                how = f"signal {-code}" if code < 0 else f"exit {code}"
                run.status = f"failed: {how}: {err[-1][:100] if err else ''}".rstrip(": ")
                return None
            walls.append((wall, kb, (self.tmp / "out").read_bytes()))
            fastest = min(w[0] for w in walls)
            if fastest >= REPEAT_UNDER or (k >= 4 and fastest >= SHORT_UNDER):
                break
        run.wall, run.rss_kb, stdout = min(walls, key=lambda w: w[0])
        run.startup = min(starts) if starts else None
        return stdout

    def record(self, run: Run) -> Run:
        self.runs.append(run)
        what = f"{run.workload.label:<22} {run.tool:<22} {run.mode:<19}"
        took = f"{run.wall:8.2f} s" if run.wall is not None else ""
        print(f"  {what} {took} {run.status if not run.ok else run.check}", file=sys.stderr,
              flush=True)
        return run

    # -- bpcalc ---------------------------------------------------------------------------

    def program(self, wl: wls.Workload) -> Path:
        path = self.tmp / f"{wl.key}_{wl.size}.txt"
        if not path.exists():
            path.write_text(wl.program)
        return path

    def values(self, wl: wls.Workload) -> list[str]:
        """The point: NAME=VALUE arguments, or `--point FILE` (a JSON object) when bpcalc
        has it, as a user with 10^5 inputs would (and 10^6 do not fit a command line).
        W1 keeps its two arguments: it measures start-up."""
        if not self.point or wl.key == "W1":
            return wl.value_args()
        path = self.tmp / f"{wl.key}_{wl.size}.json"
        if not path.exists():
            path.write_text(json.dumps({k: float(v) for k, v in wl.values.items()}))
        return ["--point", str(path)]

    def bpcalc_argv(self, wl: wls.Workload, mode: str, wrt: str | None = None,
                    gc_off: bool = False) -> list[str]:
        tail = ["grad", "-f", str(self.program(wl)), *self.values(wl), "--mode", mode,
                "--format", "json"]
        if wrt:
            tail += ["--wrt", wrt]
        if self.fields and wl.key != "W4":
            tail += ["--fields", "value,gradient"]
        if gc_off:
            code = ("import gc, sys; gc.disable = lambda: None; from bpcalc.cli import entry; "
                    "sys.argv[0] = 'bpcalc'; entry()")  # the collector left on
            return [sys.executable, "-c", code, *tail]
        return [self.bpcalc, *tail]

    def run_bpcalc(self, wl: wls.Workload, mode: str = "reverse", wrt: str | None = None,
                   gc_off: bool = False) -> Run:
        tool = "bpcalc, gc on" if gc_off else "bpcalc"
        run = Run(wl, tool, f"{mode}, --wrt {wrt}" if wrt else mode)
        if mode == "forward" and not wrt:
            run.passes = len(wl.values)
        stdout = self.timed(run, self.bpcalc_argv(wl, mode, wrt, gc_off), self.args.timeout,
                            self.bpcalc_argv(wls.seed(), "reverse", gc_off=gc_off))
        if stdout is not None:
            grad = json_field(stdout, "gradient")
            run.check = check(wl, grad, subset=bool(wrt))
            if wl.key == "W4" and mode == "paths":
                data = json.loads(stdout)
                run.extra = {"count": data.get("path_count"), "listed": len(data.get("paths", [])),
                             "truncated": data.get("paths_truncated")}
                exact = run.extra["count"] == wls.path_count(wl)
                run.check += "; path count exact" if exact else "; PATH COUNT WRONG"
                run.check += f"; {run.extra['listed']} listed" + (
                    ", cut at the bound" if run.extra["truncated"] else "")
        return self.record(run)

    # -- peers ----------------------------------------------------------------------------

    def run_peer(self, wl: wls.Workload, peer: str, gc_off: bool = False) -> Run:
        tool = f"{peer}, gc.disable()" if gc_off else peer
        run = Run(wl, tool)
        script = self.tmp / f"{peer}_{wl.key}_{wl.size}{'_nogc' if gc_off else ''}.py"
        script.write_text(PRELUDE[peer] + "\n\n" + wl.python +
                          MAIN.format(gc="gc.disable()" if gc_off else "",
                                      runner=IN_THREAD if peer == "sympy" else "run()"))
        timeout = SYMPY_CAP if peer == "sympy" else self.args.timeout
        stdout = self.timed(run, [sys.executable, str(script)], timeout)
        if stdout is not None:
            data = json.loads(stdout)
            run.inproc = data["seconds"]
            run.check = check(wl, data["gradient"])
        return self.record(run)

    # -- the whole run --------------------------------------------------------------------

    def baselines(self) -> None:
        click = Run(wls.seed(), "python -c 'import click'", "")
        self.timed(click, [sys.executable, "-c", "import click"], 60)
        self.baseline_wall, self.baseline_kb = click.wall or 0.0, click.rss_kb or 0
        seed = self.run_bpcalc(wls.seed())  # short: the fastest of 15 (see timed)
        self.startup = seed.wall or 0.0
        for key in ("W2", "W3", "W4"):  # the node formula against bpcalc's own JSON
            wl = wls.make(key, 3)
            stdout = self.timed(Run(wl, "bpcalc"), [self.bpcalc, "grad", "-f",
                                str(self.program(wl)), *wl.value_args(), "--format", "json"], 60)
            counted = len(json.loads(stdout)["nodes"]) if stdout else None
            if counted != wl.nodes:
                self.notes.append(f"{key}: bpcalc made {counted} nodes at size 3, the "
                                  f"generator expects {wl.nodes}: ns/node uses the generator")

    def modes(self, key: str, size: int) -> list[tuple[str, str | None]]:
        """bpcalc's (mode, --wrt) runs for a workload; W1's reverse run is the start-up."""
        if key == "W1":
            return [("forward", None), ("paths", None)]
        if key != "W3":
            return [("reverse", None), ("forward", None), ("paths", None)]
        every = [("forward", None)] if size in W3_FORWARD[self.kind] else []
        return [("reverse", None), ("forward", "w_0"), *every, ("paths", None)]

    def go(self) -> None:
        sizes = QUICK if self.args.quick else SIZES
        print(f"bpcalc {self.bpcalc}; --fields {'found' if self.fields else 'absent'}; "
              f"scratch {self.tmp}", file=sys.stderr)
        self.baselines()
        peers = [p for p in self.args.peers if self.have(p)]
        for key in (k for k in wls.KEYS if k in self.args.only):
            for size in sizes[key]:
                wl = wls.make(key, size)
                for mode, wrt in self.modes(key, size):
                    self.run_bpcalc(wl, mode, wrt)
                if key in ("W2", "W3") and size <= GC_OFF_MAX:
                    self.run_bpcalc(wl, gc_off=True)
                for peer in (p for p in peers if p != "sympy" and key != "W4"):
                    self.run_peer(wl, peer)
                    if peer == "micrograd":
                        self.run_peer(wl, peer, gc_off=True)
            if "sympy" in peers and key != "W4":
                for size in SYMPY_SIZES[self.kind][key]:
                    if not self.run_peer(wls.make(key, size), "sympy").ok:
                        break
        self.profiles: list[tuple[wls.Workload, float, list[str]]] = []
        if self.args.profile:
            self.profile()

    def have(self, peer: str) -> bool:
        if importlib.util.find_spec(peer) is not None:
            return True
        how = "pip install torch==2.13.0" if peer == "torch" else f"pip install {peer}"
        note = f"{peer} is not installed: skipped (`.venv/bin/{how}`)"
        if note not in self.notes:
            self.notes.append(note)
        return False

    # -- profile --------------------------------------------------------------------------

    def profile(self) -> None:
        for key in ("W2", "W3"):
            if key not in self.args.only:
                continue
            size = max(s for s in (QUICK if self.args.quick else SIZES)[key] if s <= 10**5)
            wl = wls.make(key, size)
            prof = self.tmp / "prof"
            # bpcalc's own entry ends the process with os._exit, before cProfile could
            # write: run main() (which ends with SystemExit) under cProfile instead.
            tail = self.bpcalc_argv(wl, "reverse")[1:]
            code = ("import cProfile, gc, sys; gc.disable(); from bpcalc.cli import main; "
                    "sys.argv[0] = 'bpcalc'; "
                    f"cProfile.run('try:\\n main()\\nexcept SystemExit: pass', {str(prof)!r})")
            wall, status, _, killed = self.spawn([sys.executable, "-c", code, *tail],
                                                 self.args.timeout, wl.label)
            if status != 0 or killed or not prof.exists():
                self.notes.append(f"no profile of {wl.label}: exit {status}")
                continue
            self.profiles.append((wl, wall, summarize(pstats.Stats(str(prof)), wl.nodes)))


def console_script() -> str:
    path = Path(sys.executable).parent / "bpcalc"  # not resolved: a venv's python is a link
    if not path.is_file():
        sys.exit(f"error: no bpcalc next to {sys.executable}; run this with the venv's python")
    return str(path)


def json_field(blob: bytes, key: str):
    """A flat top-level field of bpcalc's JSON, without parsing all of a huge output."""
    if len(blob) < 50_000_000:
        return json.loads(blob).get(key)
    m = re.search(rb'"%s"\s*:\s*' % key.encode(), blob)
    if not m:
        return None
    start = m.end()
    end = blob.index(b"}" if blob[start:start + 1] == b"{" else b",", start)
    return json.loads(blob[start:end + (blob[start:start + 1] == b"{")])


def check(wl: wls.Workload, grad: dict | None, subset: bool = False) -> str:
    """"ok" when grad matches the reference gradient (relative error TOL)."""
    if not isinstance(grad, dict):
        return "NO GRADIENT"
    ref = wls.reference_gradient(wl)
    if set(grad) != set(ref) and not (subset and set(grad) <= set(ref)):
        return f"WRONG KEYS ({len(grad)} of {len(ref)})"
    err = max((abs(float(g) - ref[k]) / max(abs(ref[k]), 1e-12) for k, g in grad.items()),
              default=0.0)
    return "ok" if err <= TOL else f"MISMATCH (rel. error {err:.1e})"


def summarize(stats: pstats.Stats, nodes: int) -> list[str]:
    """Own time by module, and bpcalc's stage-level functions (few calls) by cumulative time."""
    by_module: dict[str, float] = defaultdict(float)
    stages = []
    total = 0.0
    for (file, _line, func), (_cc, calls, own, cum, _callers) in stats.stats.items():
        total += own
        if file == "~":
            name = re.sub(r"[<>{}]| at 0x[0-9a-f]+", "", func).replace("built-in method ", "")
            by_module[f"builtin {name}"] += own
            continue
        path = file.replace("\\", "/")
        mod = path.split("/bpcalc/", 1)[1] if "/src/bpcalc/" in path else \
            "/".join(path.split("/")[-2:])
        by_module[mod] += own
        if "/src/bpcalc/" in path and calls <= 10:
            stages.append((cum, f"{mod}:{func}", calls))
    total = max([total] + [cum for cum, _, _ in stages])
    lines = ["| own time in | s | share | ns/node |", "|---|---:|---:|---:|"]
    for mod, own in sorted(by_module.items(), key=lambda kv: -kv[1])[:10]:
        lines.append(f"| `{mod}` | {own:.2f} | {own / total:.0%} | {own / nodes * 1e9:,.0f} |")
    lines += ["", "| bpcalc function (called <= 10 times) | cumulative s | share |",
              "|---|---:|---:|"]
    for cum, name, _calls in sorted(stages, reverse=True)[:12]:
        if cum >= 0.02 * total:
            lines.append(f"| `{name}` | {cum:.2f} | {cum / total:.0%} |")
    return lines


# -- the report ---------------------------------------------------------------------------


def secs(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def per_node(x: float | None, nodes: int, passes: int = 1) -> str:
    return "–" if x is None else f"{x / nodes / passes * 1e9:,.0f}"


def nodes_label(wl: wls.Workload) -> str:
    return f"{wl.label} ({wl.nodes:,} nodes)"


class Report:
    def __init__(self, bench: Bench) -> None:
        self.b = bench
        self.runs = bench.runs

    def find(self, key: str, size: int | None, tool: str, mode: str = "reverse") -> Run | None:
        for r in self.runs:
            if (r.workload.key == key and (size is None or r.workload.size == size)
                    and r.tool == tool and r.mode == mode):
                return r
        return None

    def above(self, r: Run) -> float | None:
        startup = self.b.startup if r.startup is None else r.startup
        return None if r.wall is None else max(r.wall - startup, 0.0)

    def sizes(self, key: str, tool: str = "bpcalc", mode: str = "reverse") -> list[int]:
        return sorted({r.workload.size for r in self.runs if r.workload.key == key
                       and r.tool == tool and r.mode == mode})

    def peers_table(self) -> list[str]:
        out = ["| workload | tool | whole s | whole ns/node | compute s | compute ns/node "
               "| peak RSS MB | check |", "|---|---|---:|---:|---:|---:|---:|---|"]
        order = ["bpcalc", "bpcalc, gc on", "micrograd", "micrograd, gc.disable()",
                 "torch", "sympy"]
        rows = [r for r in self.runs if r.mode == "reverse" and r.workload.key != "W4"
                and r.tool in order]
        rows.sort(key=lambda r: (r.workload.key, r.tool == "sympy", r.workload.size,
                                 order.index(r.tool)))
        for r in rows:
            bp = r.tool.startswith("bpcalc")
            comp = self.above(r) if bp else r.inproc
            mark = "†" if bp and comp is not None else ""
            state = r.check if r.ok else f"**{r.status}**"
            out.append(f"| {nodes_label(r.workload)} | {r.tool} | {secs(r.wall)} | "
                       f"{per_node(r.wall, r.workload.nodes)} | {secs(comp)}{mark} | "
                       f"{per_node(comp, r.workload.nodes)}{mark} | {mb(r.rss_kb)} | {state} |")
        return out

    def modes_table(self) -> list[str]:
        out = ["| workload | mode | whole s | ns/node | above start-up ns/node | peak RSS MB "
               "| check |", "|---|---|---:|---:|---:|---:|---|"]
        for r in (r for r in self.runs if r.tool == "bpcalc"):
            per = " per pass" if r.passes > 1 else ""
            mode = f"{r.mode} ({r.passes} passes)" if r.passes > 1 else r.mode
            state = r.check if r.ok else f"**{r.status}**"
            out.append(f"| {nodes_label(r.workload)} | {mode} | {secs(r.wall)} | "
                       f"{per_node(r.wall, r.workload.nodes, r.passes)}{per} | "
                       f"{per_node(self.above(r), r.workload.nodes, r.passes)}{per} | "
                       f"{mb(r.rss_kb)} | {state} |")
        return out

    def targets(self) -> list[str]:
        out = ["| target | measured | verdict |", "|---|---|---|"]
        out += self.speed_targets()
        out += self.growth_targets()
        out += self.memory_target()
        out += self.w4_target()
        return out

    def speed_targets(self) -> list[str]:
        out = []
        for key in ("W2", "W3"):
            sizes = self.sizes(key)
            if not sizes:
                continue
            size = 10**5 if 10**5 in sizes else sizes[-1]
            at = f" at {size:,} {wls.UNITS[key]}" + ("" if size == 10**5 else " (not 10^5)")
            bp = self.find(key, size, "bpcalc")
            for tool, goal in (("micrograd", 5.0), ("micrograd, gc.disable()", 1.0),
                               ("torch", 5.0)):
                peer = self.find(key, size, tool)
                name = f"{key}{at}: {tool} / bpcalc ≥ {goal:g}x"
                if peer is None:
                    continue
                if not (bp and bp.ok and peer.ok and bp.wall and peer.inproc):
                    what = bp.status if bp and not bp.ok else peer.status
                    out.append(f"| {name} | {what} | not measured |")
                    continue
                ratio = peer.inproc / bp.wall
                whole = (peer.wall or 0) / bp.wall
                out.append(f"| {name} | {ratio:.2f}x (peer compute {secs(peer.inproc)} s vs "
                           f"bpcalc whole {secs(bp.wall)} s; whole/whole {whole:.2f}x) | "
                           f"{verdict(ratio >= goal)} |")
            sym = [r for r in self.runs if r.tool == "sympy" and r.workload.key == key]
            if sym and bp and bp.wall:
                done = [r for r in sym if r.ok]
                stuck = [r for r in sym if not r.ok]
                text = "; ".join(
                    [f"{nodes_label(r.workload)} in {secs(r.inproc)} s "
                     f"({per_node(r.inproc, r.workload.nodes)} ns/node)" for r in done[-1:]] +
                    [f"{stuck[0].status} at {nodes_label(stuck[0].workload)}"
                     for _ in stuck[:1]])
                far = bool(stuck) or all(
                    (r.inproc or 0) / r.workload.nodes > 10 * bp.wall / bp.workload.nodes
                    for r in done)
                out.append(f"| {key}: SymPy far behind | {text}; bpcalc "
                           f"{per_node(bp.wall, bp.workload.nodes)} ns/node at "
                           f"{bp.workload.label} | {verdict(far)} |")
        return out

    def growth_targets(self) -> list[str]:
        out = []
        for key in ("W2", "W3"):
            for mode in ("reverse", "forward", "forward, --wrt w_0", "paths"):
                rs = [r for r in self.runs if r.workload.key == key and r.tool == "bpcalc"
                      and r.mode == mode]
                if len(rs) < 2:
                    continue
                small, big = rs[0], rs[-1]
                name = f"{key} {mode}: ns/node at {big.workload.size:,} ≤ 1.5x at " \
                       f"{small.workload.size:,} {wls.UNITS[key]}"
                if key == "W3" and mode == "forward":
                    name += " (one pass per input: per node and pass, small sizes only)"
                if not (small.ok and big.ok):
                    bad = big if not big.ok else small
                    out.append(f"| {name} | {bad.workload.label}: {bad.status} | missed |")
                    continue
                a = self.above(small) / small.workload.nodes / small.passes  # type: ignore[operator]
                z = self.above(big) / big.workload.nodes / big.passes  # type: ignore[operator]
                wa = small.wall / small.workload.nodes / small.passes  # type: ignore[operator]
                wz = big.wall / big.workload.nodes / big.passes  # type: ignore[operator]
                ratio = z / a if a else float("inf")
                start = small.startup or self.b.startup
                shaky = "" if self.above(small) > 2 * start else (  # type: ignore[operator]
                    f"; the small run is {small.wall:.3f} s against a {start:.3f} s "
                    "start-up, so this ratio is rough")
                out.append(f"| {name} | {ratio:.2f}x above start-up ({a * 1e9:,.0f} → "
                           f"{z * 1e9:,.0f} ns/node); whole process {wz / wa:.2f}x{shaky} | "
                           f"{verdict(ratio <= 1.5)} |")
        return out

    def memory_target(self) -> list[str]:
        sizes = self.sizes("W2")
        if not sizes:
            return []
        r = self.find("W2", sizes[-1], "bpcalc")
        name = f"memory: bpcalc peak RSS on {nodes_label(r.workload)} ≤ 400 B/node above " \
               "`python -c 'import click'`"  # type: ignore[union-attr]
        if r is None or not r.ok or r.rss_kb is None:
            return [f"| {name} | {r.status if r else 'not run'} | not measured |"]
        per = (r.rss_kb - self.b.baseline_kb) * 1024 / r.workload.nodes
        small = "" if r.workload.nodes >= 10**6 else " (small graph: fixed costs dominate)"
        if not self.b.fields:
            small += "; full JSON output, no `--fields`"
        if not TIME:
            small += "; ru_maxrss, an upper bound (no /usr/bin/time)"
        return [f"| {name} | {per:,.0f} B/node ({mb(r.rss_kb)} MB − {mb(self.b.baseline_kb)}"
                f" MB){small} | {verdict(per <= 400)} |"]

    def w4_target(self) -> list[str]:
        sizes = self.sizes("W4")
        if not sizes:
            return []
        size = sizes[-1]
        parts, good = [], True
        for mode in ("reverse", "forward", "paths"):
            r = self.find("W4", size, "bpcalc", mode)
            if r is None:
                continue
            good &= r.ok and r.check.startswith("ok")
            parts.append(f"{mode} {secs(r.wall)} s" if r.ok else f"{mode} {r.status}")
            if mode == "paths" and r.ok:
                good &= "exact" in r.check and bool(r.extra.get("truncated"))
                parts[-1] += f" ({r.check.split('; ', 1)[-1]})"
        at = "" if size == 10**4 else f" (at {size:,}, not 10^4)"
        return [f"| W4{at}: counting and merged modes finish, listing cut at its bound | "
                f"{'; '.join(parts)} | {verdict(good)} |"]

    def profile_section(self) -> list[str]:
        out = []
        for wl, wall, lines in getattr(self.b, "profiles", []):
            out += ["", f"cProfile of `bpcalc grad` reverse on {nodes_label(wl)}: "
                    f"{secs(wall)} s under the profiler (it inflates many small calls).", ""]
            out += lines
        return out

    def render(self) -> str:
        b = self.b
        vers = ", ".join(f"{p} {version(p)}" for p in ("click", "micrograd", "torch", "sympy"))
        lines = [
            START, "## Peers", "",
            f"`.venv/bin/python benchmarks/peers.py {' '.join(sys.argv[1:])}`".replace(" `", "`"),
            "(what is measured and how: the docstring of `benchmarks/peers.py`; workloads: "
            "`benchmarks/workloads.py`).", "",
            f"- Date: {b.started:%Y-%m-%d %H:%M} UTC, {b.elapsed / 60:.1f} minutes"
            f"{'; quick run (small sizes)' if b.args.quick else ''}",
            f"- Machine: {machine()}; load average {b.load[0]} at start, "
            f"{os.getloadavg()[0]:.2f} at end (a shared machine)",
            f"- Python {platform.python_version()}, {vers}",
            f"- Code: {git_state()}",
            f"- bpcalc `--fields`: {FIELDS_FOUND if b.fields else FIELDS_ABSENT}",
            f"- Baselines: `python -c 'import click'` {secs(b.baseline_wall)} s, peak RSS "
            f"{mb(b.baseline_kb)} MB; bpcalc start-up (W1 whole process) {secs(b.startup)} s",
            "",
        ]
        lines += [f"- Note: {n}" for n in b.notes]
        lines += ["", "### Targets of issue 6", ""] + self.targets()
        lines += ["", "### One-shot gradients against peers (reverse mode)", "",
                  "whole = the whole process, spawn to exit; compute = the peer's own build + "
                  "backward; † for bpcalc, whole minus its start-up (W1's whole time). "
                  "ns/node divides by bpcalc's node count for the workload.", ""]
        lines += self.peers_table()
        lines += ["", "### bpcalc in every mode", ""] + self.modes_table()
        prof = self.profile_section()
        if prof:
            lines += ["", "### Where bpcalc's time goes"] + prof
        lines += ["", END]
        return "\n".join(lines) + "\n"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def mb(kb: int | None) -> str:
    return "–" if kb is None else f"{kb / 1024:,.0f}"


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"nproc {os.cpu_count()} ({cpu or platform.processor()}), {platform.system()} " \
           f"{platform.release()}"


def git_state() -> str:
    def git(*a: str) -> str:
        return subprocess.run(["git", "-C", str(HERE.parent), *a], capture_output=True,
                              text=True).stdout
    changed = [line[3:] for line in git("status", "--porcelain").splitlines()
               if line[3:].startswith("src/")]
    dirty = f" plus uncommitted changes in {', '.join(changed)}" if changed else ""
    return f"commit {git('rev-parse', '--short', 'HEAD').strip() or '?'}{dirty}"


def write_results(section: str, path: Path = RESULTS) -> None:
    """Replace our section between the markers; append it when absent."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--only", default=",".join(wls.KEYS), help="workloads, e.g. W2,W3")
    parser.add_argument("--peers", default=",".join(PEERS),
                        help="peers to run, e.g. micrograd,torch ('' for none)")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds before a bpcalc, micrograd or torch run is killed")
    parser.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True,
                        help="cProfile bpcalc on W2 and W3 (default: on)")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=None,
                        help=f"write {RESULTS.name} (default: yes, but not with --quick)")
    args = parser.parse_args()
    args.only = [k.strip().upper() for k in args.only.split(",") if k.strip()]
    args.peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    bad = [k for k in args.only if k not in wls.KEYS] + [p for p in args.peers if p not in PEERS]
    if bad:
        parser.error(f"unknown: {', '.join(bad)} (workloads {wls.KEYS}, peers {PEERS})")
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # W4's path count 3^10000 has 4,772 digits

    bench = Bench(args)
    bench.started = datetime.now(timezone.utc)
    bench.load = tuple(f"{x:.2f}" for x in os.getloadavg())
    t0 = time.perf_counter()
    try:
        bench.go()
    finally:
        shutil.rmtree(bench.tmp, ignore_errors=True)
    bench.elapsed = time.perf_counter() - t0
    section = Report(bench).render()
    print(section)
    if args.write if args.write is not None else not args.quick:
        write_results(section)
        print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
