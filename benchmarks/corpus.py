"""The corpus of issue 27: bpcalc reading many program forms, beside a naive tape and micrograd.

Run from the repository root (micrograd from the `bench` extra; about 5 minutes):

    .venv/bin/python benchmarks/corpus.py                  # every form, ~10^5 nodes each
    .venv/bin/python benchmarks/corpus.py --large          # ~10^6 nodes each (long)
    .venv/bin/python benchmarks/corpus.py --only dag,random --repeat 5
    .venv/bin/python benchmarks/corpus.py --src /path/to/other/checkout/src   # before/after
    .venv/bin/python benchmarks/corpus.py --only dag --profile   # where bpcalc's time goes
    .venv/bin/python benchmarks/corpus.py --keep /tmp/corpus     # keep the programs

The forms (`corpus_programs.py`: generators with fixed seeds, sized by --scale) are the
issue's list: the chain `x = sin(x)*a + b` in three-address code, least squares with its
constants on their own lines and inline, a DAG of values used twice, a random
three-address program, powers (`**`, `^`, `pow`), unary minus, calls of every function,
long lines, reassignment and `+=`, comments and blank lines, random mixed lines as the
fuzz tests draw them (10^5 lines); the chain reassigned and in SSA names, W3's
`loss += ...`, the DAG with `;`; and family programs (a sum of squares, a dense layer, a
recurrence, the demo network of examples/moons.txt as it is and widened), each beside
the same program unrolled as scalar text.

Each form is a program file and a point file (a JSON object of every input, families as
arrays). Every tool runs as a whole process, timed spawn to exit, the fastest of
--repeat runs, after a pause of SETTLE s (the machine is shared); bpcalc's and the tape's
runs alternate, so that both see the same moments:

* bpcalc: `python -m bpcalc grad -f PROG --point POINT --fields value,gradient --json`,
  its peak RSS from GNU `/usr/bin/time` (less that of `python -c "import click"`, per
  node). Its node count is the length of its JSON's node list (`--fields nodes`, a run
  not timed; `bpcalc cost` holds every node's path count, and the DAG's 2^(n/3) paths
  take it past 20 GB at 10^6 nodes). Its bytecode is cached, as an installed package's
  is: this machine's shell sets PYTHONDONTWRITEBYTECODE=1, under which every run
  compiles bpcalc's modules again (0.05 s of a 0.1 s start-up).
* the naive tape (forms.TAPE: per line a regex split, a shunting-yard, then a forward and
  a backward loop) on the same text; on family programs, on the program unrolled.
* micrograd reading the same text, as the issue measured it: the tape's reader parses the
  text and its tape is replayed into micrograd Values, then backward() (collector off),
  whole process (`MICROGRAD_TEXT`); micrograd has no reader, and any script given the text
  must parse it.
* micrograd, its build + backward timed in its own process as peers.py does (with its
  cycle collector on, and with gc.disable()), from Python code translated from the scalar
  text line by line (`^` becomes `**`; the functions micrograd lacks are added from the
  tape's table, in the style of its relu, and its `**` takes a Value exponent). Its
  whole process (gc off) is shown too: the issue's own table timed every tool so.

Every gradient is checked against the tape's (relative error 1e-9 per entry); a
mismatch is printed in capitals. Targets: bpcalc / tape <= 1.5; bpcalc ahead of
micrograd with gc off (micrograd's in-process seconds / bpcalc's whole process > 1);
bpcalc's peak RSS <= 300 bytes a node. It prints a markdown report and writes no file
but with --keep. To time other code (a commit, say), give its `src` with --src: it goes
first on PYTHONPATH for every bpcalc run (the report says where bpcalc was imported from).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import corpus_programs as cp
import forms
import peers

SETTLE = 0.5  # seconds of pause before each series of runs
TOL = 1e-9
TIMEOUT = 900
TARGET_TAPE, TARGET_BYTES = 1.5, 300

# Added to peers.PRELUDE["micrograd"] (Value, leaf and gradient; its sin, which takes a Value
# only, is replaced by one that takes numbers too, as constants on their own lines need).
MICROGRAD_MORE = forms.FUNCTIONS + '''

def _unary(name):  # one of the language's functions as a micrograd op, as its relu is made
    f, df = FUNCS[name], DERIV[name]

    def op(v):
        v = v if isinstance(v, Value) else Value(v)
        out = Value(f(v.data), (v,), name)

        def _backward():
            v.grad += df(v.data) * out.grad
        out._backward = _backward
        return out
    return op


def _choose(first):  # max (first) or min: the larger (smaller) takes the gradient; a tie halves
    def op(a, b):
        a = a if isinstance(a, Value) else Value(a)
        b = b if isinstance(b, Value) else Value(b)
        w = 0.5 if a.data == b.data else float((a.data > b.data) == first)
        out = Value(a.data if w >= 0.5 else b.data, (a, b), "max" if first else "min")

        def _backward():
            a.grad += w * out.grad
            b.grad += (1 - w) * out.grad
        out._backward = _backward
        return out
    return op


_number_power = Value.__pow__


def _power(self, other):  # micrograd's ** takes a number only: a Value exponent too
    if not isinstance(other, Value):
        return _number_power(self, other)
    out = Value(self.data ** other.data, (self, other), "**")

    def _backward():
        self.grad += other.data * self.data ** (other.data - 1) * out.grad
        other.grad += out.data * math.log(self.data) * out.grad
    out._backward = _backward
    return out


Value.__pow__ = _power
Value.__rpow__ = lambda self, other: _power(Value(other), self)  # number ** Value
globals().update({name: _unary(name) for name in FUNCS})  # sin too: on numbers as well
max, min = _choose(True), _choose(False)
pi = math.pi


def pow(a, b):
    return a ** b
'''
STATEMENT = re.compile(r"\s*([A-Za-z_]\w*)\s*[-+*/]?=")

# micrograd given the same text as bpcalc and the tape: the tape's reader (forms.TAPE) parses
# it, and its tape is replayed into micrograd Values, then backward(), collector off; what a
# script must do to run micrograd on a program it is given as text (the issue's setup: "the
# same three-address text for every tool").
_TAPE_READER = forms.TAPE[:forms.TAPE.index("ops, args, consts, inputs, result = read(")]
MICROGRAD_TEXT = """import gc
gc.disable()
""" + peers.PRELUDE["micrograd"].replace("VALUES[name]", "name") + MICROGRAD_MORE + \
    _TAPE_READER + '''

CALL = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
        "^": operator.pow, "pow": pow, "max": max, "min": min}


def replay(ops, args, consts):  # the tape as micrograd Values, in order
    vals = []
    for op, a, c in zip(ops, args, consts):
        if not a:
            vals.append(Value(c) if op == "input" else c)  # a constant: a number, as in
        elif len(a) == 2:  # micrograd's own code (`x**2`, `2*x`)
            vals.append(CALL[op](vals[a[0]], vals[a[1]]))
        elif op == "neg":
            vals.append(-vals[a[0]])
        else:
            vals.append(globals()[op](vals[a[0]]))
    return vals


ops, args, consts, inputs, result = read(open(sys.argv[1]).read(), json.load(open(sys.argv[2])))
vals = replay(ops, args, consts)
out = vals[result] if isinstance(vals[result], Value) else Value(vals[result])
out.backward()
print(json.dumps({"value": out.data,
                  "gradient": {k: vals[i].grad for k, i in inputs.items()}}))
import os
os._exit(0)
'''


def micrograd_code(form: cp.Form) -> str:
    """The scalar text as Python that builds micrograd Values: VALUES and build(leaf, sin),
    as workloads.py writes them; one line a line, `^` as `**`."""
    last = [s for line in form.tape_text.splitlines() for s in line.split("#")[0].split(";")
            if s.strip()][-1]
    output = STATEMENT.match(last).group(1)  # type: ignore[union-attr]
    lines = [f"VALUES = {json.dumps(form.tape_point)}", "", "",
             "def build(leaf, sin):", "    inputs_ = {name: leaf(name) for name in VALUES}"]
    lines += [f"    {name} = inputs_[{name!r}]" for name in form.tape_point]
    lines += [f"    {line}" for line in form.tape_text.replace("^", "**").splitlines()]
    lines.append(f"    return {output}, inputs_")
    return "\n".join(lines) + "\n"


class Failed(Exception):
    pass


@dataclass
class Run:
    wall: float
    rss_kb: int | None
    stdout: bytes


@dataclass
class Row:
    form: cp.Form
    lines: int
    nodes: int | None = None
    bpcalc: float | None = None
    tape: float | None = None
    micrograd: float | None = None
    micrograd_off: float | None = None
    micrograd_off_whole: float | None = None  # its whole process
    micrograd_text: float | None = None  # reading the text (the tape's reader), gc off
    rss_kb: int | None = None
    checks: str = ""
    failed: str = ""


class Corpus:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args, self.tmp = args, tmp
        # Modules are compiled once and their bytecode cached, as an installed package's is,
        # whatever the shell says: bpcalc's start-up is 0.05 s more when it compiles its
        # modules every run (under PYTHONDONTWRITEBYTECODE=1, with no __pycache__ in src).
        self.bytecode = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env = dict(self.bytecode)  # bpcalc's
        if args.src:
            self.env["PYTHONPATH"] = os.pathsep.join(
                [str(Path(args.src).resolve()), *filter(None, [os.environ.get("PYTHONPATH")])])
        self.bpcalc = [sys.executable, "-m", "bpcalc"]
        self.tape = tmp / "tape.py"
        self.tape.write_text(forms.TAPE)

    def spawn(self, argv: list[str], env: dict | None = None) -> Run:
        """One whole process (in `env`): its wall time, peak RSS (GNU time) and stdout."""
        rss, out = self.tmp / "rss", self.tmp / "out"
        cmd = [peers.TIME, "-f", "%M", "-o", str(rss), *argv] if peers.TIME else argv
        with open(out, "wb") as f:
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=f,
                                  stderr=subprocess.PIPE, timeout=TIMEOUT,
                                  env=env)
            wall = time.perf_counter() - t0
        if proc.returncode:
            err = proc.stderr.decode(errors="replace").strip().splitlines()
            raise Failed(f"{Path(argv[1]).name if argv[1] != '-m' else argv[2]}: exit "
                         f"{proc.returncode}: {err[-1][:160] if err else ''}")
        kb = int(rss.read_text().split()[-1]) if peers.TIME else None
        return Run(wall, kb, out.read_bytes())

    def best(self, commands: list[tuple[list[str], dict | None]]) -> list[list[Run]]:
        """Each (argv, env) --repeat times, the commands alternating, after a pause."""
        time.sleep(SETTLE)
        runs: list[list[Run]] = [[] for _ in commands]
        for _ in range(self.args.repeat):
            for k, (argv, env) in enumerate(commands):
                runs[k].append(self.spawn(argv, env))
        return runs

    def files(self, form: cp.Form) -> tuple[Path, Path, Path, Path]:
        paths = [self.tmp / f"{stem(form)}{tail}" for tail in
                 (".txt", ".json", ".scalar.txt", ".scalar.json")]
        paths[0].write_text(form.program)
        paths[1].write_text(json.dumps(form.point))
        paths[2].write_text(form.tape_text)
        paths[3].write_text(json.dumps(form.tape_point))
        return paths[0], paths[1], paths[2], paths[3]

    def grad_argv(self, prog: Path, point: Path, fields: str = "value,gradient") -> list[str]:
        return [*self.bpcalc, "grad", "-f", str(prog), "--point", str(point), "--fields",
                fields, "--json"]

    def measure(self, form: cp.Form) -> Row:
        prog, point, scalar, scalar_point = self.files(form)
        row = Row(form, form.program.count("\n"))
        try:
            graph = self.spawn(self.grad_argv(prog, point, "nodes"), self.env)
            row.nodes = len(json.loads(graph.stdout)["nodes"])
            bp, tp = self.best([(self.grad_argv(prog, point), self.env),
                                ([sys.executable, str(self.tape), str(scalar),
                                  str(scalar_point)], None)])
            row.bpcalc, row.tape = min(r.wall for r in bp), min(r.wall for r in tp)
            row.rss_kb = max((r.rss_kb for r in bp if r.rss_kb is not None), default=None)
            grads = {"bpcalc": cp.scalars(json.loads(bp[-1].stdout)["gradient"])}
            reference = json.loads(tp[-1].stdout)["gradient"]
            on, off = self.best([([sys.executable, str(script)], self.bytecode)
                                 for script in self.micrograd(form)])
            row.micrograd = min(json.loads(r.stdout)["seconds"] for r in on)
            row.micrograd_off = min(json.loads(r.stdout)["seconds"] for r in off)
            row.micrograd_off_whole = min(r.wall for r in off)
            grads["micrograd"] = json.loads(on[-1].stdout)["gradient"]
            grads["micrograd gc off"] = json.loads(off[-1].stdout)["gradient"]
            script = self.tmp / "peer_micrograd_text.py"
            script.write_text(MICROGRAD_TEXT)
            (text,) = self.best([([sys.executable, str(script), str(scalar),
                                   str(scalar_point)], self.bytecode)])
            row.micrograd_text = min(r.wall for r in text)
            grads["micrograd from the text"] = json.loads(text[-1].stdout)["gradient"]
            row.checks = "; ".join(f"{tool} {agree(g, reference)}" for tool, g in grads.items()
                                   if agree(g, reference) != "ok") or "all ok"
        except (Failed, subprocess.TimeoutExpired, KeyError, ValueError) as e:
            row.failed = f"{type(e).__name__}: {e}"
        return row

    def micrograd(self, form: cp.Form) -> list[Path]:
        """Two scripts that run micrograd on the form as peers.MAIN does, with its cycle
        collector on and off; the Values are built by a module, so that its function of
        10^5 lines is compiled once (and cached), not once a run."""
        module = f"peer_micrograd_{stem(form)}"
        (self.tmp / f"{module}.py").write_text(peers.PRELUDE["micrograd"] + MICROGRAD_MORE +
                                               "\n\n" + micrograd_code(form))
        scripts = []
        for gc in ("", "gc.disable()"):
            scripts.append(self.tmp / f"{module}{'_nogc' if gc else ''}_main.py")
            scripts[-1].write_text(
                f"from {module} import build, gradient, leaf, sin\n" + peers.MAIN.format(
                    gc=gc, runner="run()\nimport os\nos._exit(0)  # no teardown of the Values"))
        return scripts

    def profile(self, form: cp.Form, nodes: int) -> list[str]:
        """cProfile of bpcalc's grad on the form, summed as peers.py sums it."""
        prog, point, _, _ = self.files(form)
        stats = self.tmp / "prof"
        code = ("import cProfile, gc, sys; gc.disable(); from bpcalc.cli import main; "
                "sys.argv[0] = 'bpcalc'; "
                f"cProfile.run('try:\\n main()\\nexcept SystemExit: pass', {str(stats)!r})")
        argv = [sys.executable, "-c", code, *self.grad_argv(prog, point)[3:]]
        wall = self.spawn(argv, self.env).wall
        summed = peers.summarize(pstats.Stats(str(stats)), nodes)
        return [f"cProfile of bpcalc on `{form.key}` ({nodes:,} nodes): {wall:.2f} s under "
                "the profiler", "", *summed[:summed.index("")], ""]  # own time by module

    def baseline(self) -> tuple[Run, Run, str]:
        """`python -c "import click"` (RSS baseline), bpcalc's start-up on the seed
        (fastest of 5), and where bpcalc is imported from."""
        time.sleep(SETTLE)
        click = min((self.spawn([sys.executable, "-c", "import click"]) for _ in range(5)),
                    key=lambda r: r.wall)
        seed = min((self.spawn([*self.bpcalc, "grad", "(a+b)*(b+1)", "a=2", "b=1", "--json"],
                               self.env) for _ in range(5)), key=lambda r: r.wall)
        where = self.spawn([sys.executable, "-c", "import bpcalc; print(bpcalc.__path__[0])"],
                           self.env).stdout.decode().strip()
        return click, seed, where


def stem(form: cp.Form) -> str:
    """The form's key as a file (and module) name."""
    return re.sub(r"\W", "_", form.key)


def agree(grad: dict, reference: dict) -> str:
    """"ok" when every entry is within TOL (relative) of the reference's."""
    grad = {k: float(v) for k, v in grad.items()}
    if set(grad) != set(reference):
        missing, extra = set(reference) - set(grad), set(grad) - set(reference)
        return f"WRONG KEYS (missing {sorted(missing)[:3]}, extra {sorted(extra)[:3]})"
    worst, where = 0.0, ""
    for k, r in reference.items():
        scale = max(abs(r), abs(grad[k]))
        err = abs(grad[k] - r) / scale if scale else 0.0
        if err > worst:
            worst, where = err, k
    return "ok" if worst <= TOL else f"MISMATCH (rel. error {worst:.1e} at {where})"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def fmt(x: float | None, spec: str = ".3f", tail: str = "") -> str:
    return "–" if x is None else f"{x:{spec}}{tail}"


def verdict(x: float | None, ok: bool) -> str:
    return "" if x is None else "met" if ok else "**missed**"


def bytes_per_node(row: Row, click_kb: int | None) -> float | None:
    if row.rss_kb is None or click_kb is None or not row.nodes:
        return None
    return (row.rss_kb - click_kb) * 1024 / row.nodes


def table(rows: list[Row], click_kb: int | None) -> list[str]:
    out = ["| form | lines | nodes | bpcalc s | tape s | bpcalc / tape (≤ 1.5) | micrograd s "
           "| speed-up | micrograd gc off s | speed-up (> 1) | gc off, whole process s "
           "| micrograd from the text, gc off s | speed-up (> 1) | bytes/node (≤ 300) "
           "| gradients |",
           "|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---|---|---|"]
    for r in rows:
        vs_tape, on, off = ratio(r.bpcalc, r.tape), ratio(r.micrograd, r.bpcalc), \
            ratio(r.micrograd_off, r.bpcalc)
        per = bytes_per_node(r, click_kb)
        text = ratio(r.micrograd_text, r.bpcalc)
        out.append(
            f"| {r.form.key}: {r.form.title} | {r.lines:,} | {fmt(r.nodes, ',')} | "
            f"{fmt(r.bpcalc)} | {fmt(r.tape)} | "
            f"{fmt(vs_tape, '.2f', 'x')} {verdict(vs_tape, (vs_tape or 0) <= TARGET_TAPE)}"
            f" | {fmt(r.micrograd)} | {fmt(on, '.2f', 'x')} | {fmt(r.micrograd_off)} | "
            f"{fmt(off, '.2f', 'x')} {verdict(off, (off or 0) > 1)} | "
            f"{fmt(r.micrograd_off_whole)} | {fmt(r.micrograd_text)} | "
            f"{fmt(text, '.2f', 'x')} {verdict(text, (text or 0) > 1)} | "
            f"{fmt(per, ',.0f')} {verdict(per, (per or 0) <= TARGET_BYTES)} | "
            f"{r.checks if r.checks == 'all ok' else f'**{r.failed or r.checks}**'} |")
    return out


def summary(rows: list[Row], click_kb: int | None) -> list[str]:
    """Which forms miss which target, with their figures."""
    done = [r for r in rows if not r.failed and r.micrograd_off]
    per = {r.form.key: bytes_per_node(r, click_kb) for r in done}
    misses = {
        f"within {TARGET_TAPE}x of the tape": [
            f"{r.form.key} {r.bpcalc / r.tape:.2f}x" for r in done  # type: ignore[operator]
            if r.bpcalc / r.tape > TARGET_TAPE],  # type: ignore[operator]
        "ahead of micrograd with gc off (its build + backward)": [
            f"{r.form.key} {r.micrograd_off / r.bpcalc:.2f}x" for r in done  # type: ignore[operator]
            if r.micrograd_off <= r.bpcalc],  # type: ignore[operator]
        "ahead of micrograd with gc off, whole process against whole process": [
            f"{r.form.key} {r.micrograd_off_whole / r.bpcalc:.2f}x" for r in done  # type: ignore[operator]
            if r.micrograd_off_whole <= r.bpcalc],  # type: ignore[operator]
        "ahead of micrograd with gc off reading the same text": [
            f"{r.form.key} {r.micrograd_text / r.bpcalc:.2f}x" for r in done  # type: ignore[operator]
            if r.micrograd_text is not None and r.micrograd_text <= r.bpcalc],
        f"at most {TARGET_BYTES} bytes a node": [
            f"{k} {b:,.0f} B" for k, b in per.items() if b is not None and b > TARGET_BYTES],
    }
    lines = [f"- {target}: {len(done) - len(missed)} of {len(done)} forms; missed by: "
             f"{', '.join(missed) or 'none'}" for target, missed in misses.items()]
    wrong = [f"{r.form.key}: {r.checks}" for r in done if r.checks != "all ok"]
    failed = [f"{r.form.key}: {r.failed}" for r in rows if r.failed]
    if wrong:
        lines.append(f"- **GRADIENTS DISAGREE**: {'; '.join(wrong)}")
    if failed:
        lines.append(f"- **FAILED**: {'; '.join(failed)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=None,
                        help="nodes a form (default 10^5; 10^6 with --large)")
    parser.add_argument("--large", action="store_true", help="about 10^6 nodes a form")
    parser.add_argument("--repeat", type=int, default=3, help="runs a tool; the best is kept")
    parser.add_argument("--only", default="", help=f"forms, of: {', '.join(cp.FORMS)}")
    parser.add_argument("--src", default="", help="another checkout's src: bpcalc from there")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile bpcalc on each form that misses the tape target")
    parser.add_argument("--keep", default="", help="write the corpus files into this folder")
    args = parser.parse_args()
    scale = args.scale or (10**6 if args.large else 10**5)
    keys = [k.strip() for k in args.only.split(",") if k.strip()] or list(cp.FORMS)
    unknown = [k for k in keys if k not in cp.FORMS]
    if unknown:
        parser.error(f"unknown forms {unknown}; the forms: {', '.join(cp.FORMS)}")
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bpcalc-corpus-") as name:
        tmp = Path(args.keep or name)
        tmp.mkdir(parents=True, exist_ok=True)
        corpus = Corpus(args, tmp)
        click, seed, where = corpus.baseline()
        rows, profiles = [], []
        for key in keys:
            form = cp.FORMS[key](scale)
            row = corpus.measure(form)
            rows.append(row)
            print(f"  {key}: {row.nodes} nodes, bpcalc {fmt(row.bpcalc)} s, tape "
                  f"{fmt(row.tape)} s, micrograd {fmt(row.micrograd)} / {fmt(row.micrograd_off)}"
                  f" s; {row.failed or row.checks}", file=sys.stderr, flush=True)
            if args.profile and not row.failed and row.nodes and \
                    (ratio(row.bpcalc, row.tape) or 0) > TARGET_TAPE:
                profiles += corpus.profile(form, row.nodes)
    code = peers.git_state()  # the work tree's, or with --src that checkout's
    if args.src:
        head = subprocess.run(["git", "-C", args.src, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        code = f"--src {args.src} (commit {head or '?'})"
    print("\n".join([
        f"`.venv/bin/python benchmarks/corpus.py {' '.join(sys.argv[1:])}`".replace(" `", "`"),
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC, {(time.perf_counter() - t0) / 60:.1f} "
        f"minutes; about {scale:,} nodes a form",
        f"- Machine: {peers.machine()}; load average {os.getloadavg()[0]:.2f} at the end; "
        f"Python {platform.python_version()}, micrograd {peers.version('micrograd')}",
        f"- Code: {code}; bpcalc imported from `{where}`",
        f"- Best of {args.repeat} whole-process runs (bpcalc's and the tape's alternating), "
        f"a {SETTLE:g} s pause before each series; micrograd: its build + backward in "
        "process; speed-up = micrograd's seconds / bpcalc's",
        f"- Baselines: bpcalc's start-up (the seed, whole process) {seed.wall:.3f} s; "
        f"`python -c 'import click'` {click.wall:.3f} s, peak RSS "
        f"{fmt(click.rss_kb and click.rss_kb / 1024, '.1f', ' MB')} (subtracted for "
        "bytes/node)", "",
        *table(rows, click.rss_kb), "", *summary(rows, click.rss_kb),
        *(["", "### Where bpcalc's time goes", "", *profiles] if profiles else [])]))


if __name__ == "__main__":
    main()
