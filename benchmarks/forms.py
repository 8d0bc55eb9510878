"""bpcalc reading one workload written three ways, beside a naive tape and micrograd (issue 11).

W2 (deep chain `x = sin(x)*a + b`, 10^5 steps) and W3 (wide loss `sum (w_i*x_i - y_i)^2`,
10^5 terms) of `workloads.py`, each in three forms with the same inputs and gradient:

1. reassignment, the workload's own text: `x = x0; x = sin(x)*a + b; ...` and
   `loss = (w_0*1.2933 - 1.6617)^2; loss += (w_1*x - y)^2; ...`;
2. three-address code, one operation a line, fresh names: `t0 = sin(x0); t1 = t0 * a;
   t2 = t1 + b; t3 = sin(t2); ...` and `t0 = w_0 * 1.2933; t1 = t0 - 1.6617; t2 = t1 ^ 2`,
   then three such lines a term and `tK = <sum so far> + <its square>`;
3. SSA names: `x1 = sin(x0)*a + b; x2 = sin(x1)*a + b; ...` and
   `loss0 = (w_0*x - y)^2; loss1 = loss0 + (w_1*x - y)^2; ...`.

Each runs as a whole process on the same program file and point file (a JSON object of
the inputs), timed spawn to exit, the fastest of --repeat runs after a pause of SETTLE s
(the machine is shared): bpcalc as `bpcalc grad -f PROG --point POINT --fields
value,gradient`; a naive tape (TAPE: per line it splits off the target, tokenizes with one
`re.findall`, parses with a shunting-yard onto a tape, then runs the tape forward and
backward and prints the gradient; an afternoon's plain code, no caching, no tricks); and
micrograd as `peers.py` runs it (the workload's Python code builds Values and calls
backward(), timed in its process, collector on and `gc.disable()`; it reads no text, so
it is measured once a workload and shown in each form's row).

Every gradient is checked against `workloads.reference_gradient` (relative error 1e-9).
Targets: bpcalc / tape <= 2; bpcalc ahead of micrograd with gc off (micrograd's in-process
time / bpcalc's whole process > 1); bpcalc's SSA / reassignment <= 1.3. The start-ups (W1)
are shown; no ratio subtracts them. It prints a markdown section and writes no file:

    .venv/bin/python benchmarks/forms.py [--steps N] [--terms N] [--repeat K]

To time other code than the work tree's (a commit, say), put its `src` first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import peers
import workloads as wls

SETTLE = 1.5  # seconds of pause before each series of runs
TOL = 1e-9
FORMS = ("reassignment", "three-address", "SSA")

# The functions of the language, their values and derivatives in plain floats (also what
# corpus.py adds to micrograd), then the tape: a reader and its forward and backward loops.
# tanh' and sigmoid' are written without cancellation (1 - tanh(x)^2 loses all its digits
# as tanh(x) nears 1), as bpcalc's table writes them, so gradients can agree to 1e-9. Only
# math's functions are called inside (corpus.py's micrograd redefines abs, max, min, pow).
FUNCTIONS = r'''
import json, math, operator, re, sys


def logistic(x):
    return 1 / (1 + math.exp(-x))


def dlogistic(x):  # e/(1 + e)^2, e = exp(-|x|)
    e = math.exp(-math.fabs(x))
    return e / (1 + e) ** 2


FUNCS = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin,
         "acos": math.acos, "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh,
         "tanh": math.tanh, "exp": math.exp, "log": math.log, "log2": math.log2,
         "log10": math.log10, "sqrt": math.sqrt, "abs": abs, "sigmoid": logistic,
         "relu": lambda x: x if x > 0 else 0.0, "softplus": lambda x: math.log1p(math.exp(x))}
DERIV = {"sin": math.cos, "cos": lambda x: -math.sin(x), "tan": lambda x: 1 / math.cos(x) ** 2,
         "asin": lambda x: 1 / math.sqrt(1 - x * x), "acos": lambda x: -1 / math.sqrt(1 - x * x),
         "atan": lambda x: 1 / (1 + x * x), "sinh": math.cosh, "cosh": math.sinh,
         "tanh": lambda x: 4 * dlogistic(2 * x), "exp": math.exp, "log": lambda x: 1 / x,
         "log2": lambda x: 1 / (x * math.log(2)), "log10": lambda x: 1 / (x * math.log(10)),
         "sqrt": lambda x: 0.5 / math.sqrt(x), "abs": lambda x: (x > 0) - (x < 0),
         "sigmoid": dlogistic, "relu": lambda x: float(x > 0), "softplus": logistic}
CALLS = {"pow": math.pow, "max": max, "min": min}  # the functions of two operands
'''
TAPE = FUNCTIONS + r'''
BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "^": operator.pow, **CALLS}
PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "^": 4}
TOKEN = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[A-Za-z_]\w*|\*\*|[-+*/^(),]"
STATEMENT = r"\s*([A-Za-z_]\w*)\s*([-+*/]?=)(.*)"


def read(text, point):  # the program as a tape: each operation, its operands, a constant
    ops, args, consts = [], [], []
    names, inputs = {}, {}  # name -> tape index of its current value; input -> its index

    def emit(op, operands, const=0.0):
        ops.append(op), args.append(operands), consts.append(const)
        return len(ops) - 1

    def atom(tok):
        if tok[0].isdigit() or tok[0] == ".":
            return emit("const", (), float(tok))
        if tok == "pi":
            return emit("const", (), math.pi)
        if tok in names:
            return names[tok]
        if tok not in inputs:
            inputs[tok] = emit("input", (), point[tok])
        return inputs[tok]

    def apply(op, out):
        if op == "neg" or op in FUNCS:
            out.append(emit(op, (out.pop(),)))
        else:
            y = out.pop()
            out.append(emit(op, (out.pop(), y)))

    def expression(tokens):  # shunting-yard
        out, stack, prev = [], [], None
        for tok in tokens:
            tok = "^" if tok == "**" else tok
            if tok == "(" or tok in FUNCS or tok in CALLS:
                stack.append(tok)
            elif tok == ")" or tok == ",":  # a comma ends a call's first operand
                while stack[-1] != "(":
                    apply(stack.pop(), out)
                if tok == ")":
                    stack.pop()
                    if stack and (stack[-1] in FUNCS or stack[-1] in CALLS):
                        apply(stack.pop(), out)
            elif tok in PREC and (prev is None or prev in PREC or prev in ("(", ",")):
                if tok == "-":
                    stack.append("neg")  # a prefix operator pops nothing
            elif tok in PREC:
                while stack and stack[-1] in PREC and (
                        PREC[stack[-1]] > PREC[tok] or PREC[stack[-1]] == PREC[tok] != 4):
                    apply(stack.pop(), out)  # 4: ^ is right-associative
                stack.append(tok)
            else:
                out.append(atom(tok))
            prev = tok
        while stack:
            apply(stack.pop(), out)
        return out[0]

    result = None
    for line in text.splitlines():
        for statement in line.split("#")[0].split(";"):
            m = re.match(STATEMENT, statement)
            if m:
                name, how, rhs = m.groups()
                result = expression(re.findall(TOKEN, rhs))
                if how != "=":
                    result = emit(how[0], (atom(name), result))
                names[name] = result
            elif statement.strip():
                result = expression(re.findall(TOKEN, statement))
    return ops, args, consts, inputs, result


def forward(ops, args, consts):
    vals = []
    for op, a, c in zip(ops, args, consts):
        if not a:
            vals.append(c)
        elif op in BINARY:
            vals.append(BINARY[op](vals[a[0]], vals[a[1]]))
        elif op == "neg":
            vals.append(-vals[a[0]])
        else:
            vals.append(FUNCS[op](vals[a[0]]))
    return vals


def backward(ops, args, vals, result):
    grad = [0.0] * len(ops)
    grad[result] = 1.0
    for i in range(len(ops) - 1, -1, -1):
        op, a, g = ops[i], args[i], grad[i]
        if op == "+":
            grad[a[0]] += g
            grad[a[1]] += g
        elif op == "-":
            grad[a[0]] += g
            grad[a[1]] -= g
        elif op == "*":
            grad[a[0]] += g * vals[a[1]]
            grad[a[1]] += g * vals[a[0]]
        elif op == "/":
            grad[a[0]] += g / vals[a[1]]
            grad[a[1]] -= g * vals[a[0]] / vals[a[1]] ** 2
        elif op == "^" or op == "pow":
            x, y = vals[a[0]], vals[a[1]]
            grad[a[0]] += g * y * x ** (y - 1)
            if ops[a[1]] != "const":
                grad[a[1]] += g * vals[i] * math.log(x)
        elif op == "max" or op == "min":  # a tie gives each side half, as bpcalc does
            x, y = vals[a[0]], vals[a[1]]
            w = 0.5 if x == y else float((x > y) == (op == "max"))
            grad[a[0]] += g * w
            grad[a[1]] += g * (1 - w)
        elif op == "neg":
            grad[a[0]] -= g
        elif op in FUNCS:
            grad[a[0]] += g * DERIV[op](vals[a[0]])
    return grad


ops, args, consts, inputs, result = read(open(sys.argv[1]).read(), json.load(open(sys.argv[2])))
vals = forward(ops, args, consts)
grad = backward(ops, args, vals, result)
print(json.dumps({"value": vals[result], "gradient": {k: grad[i] for k, i in inputs.items()}}))
'''


def three_address(wl: wls.Workload) -> str:
    """Form 2: one operation a line, fresh names t0, t1, ...; the last line is the output."""
    lines: list[str] = []

    def op(text: str) -> str:
        lines.append(f"t{len(lines)} = {text}")
        return f"t{len(lines) - 1}"
    if wl.key == "W2":
        x = "x0"
        for _ in range(wl.size):
            s = op(f"sin({x})")
            x = op(f"{op(f'{s} * a')} + b")
    else:
        total = None
        for i, (xi, yi) in enumerate(wl.data):
            product = op(f"w_{i} * {xi!r}")
            square = op(f"{op(f'{product} - {yi!r}')} ^ 2")
            total = square if total is None else op(f"{total} + {square}")
    return "\n".join(lines) + "\n"


def ssa(wl: wls.Workload) -> str:
    """Form 3: the reassignment's statements, but each version of the name is its own name."""
    if wl.key == "W2":
        lines = [f"x{k + 1} = sin(x{k})*a + b" for k in range(wl.size)]
    else:
        lines = [f"loss0 = (w_0*{wl.data[0][0]!r} - {wl.data[0][1]!r})^2"]
        lines += [f"loss{i} = loss{i - 1} + (w_{i}*{x!r} - {y!r})^2"
                  for i, (x, y) in enumerate(wl.data) if i]
    return "\n".join(lines) + "\n"


def check(wl: wls.Workload, grad: object) -> str:
    ref = wls.reference_gradient(wl)
    if not isinstance(grad, dict) or set(grad) != set(ref):
        return "WRONG KEYS"
    err = max(abs(float(grad[k]) - r) / max(abs(r), 1e-12) for k, r in ref.items())
    return "ok" if err <= TOL else f"MISMATCH ({err:.1e})"


def spawn(argv: list[str], out: Path) -> tuple[float, bytes]:
    """One whole process: its wall time and stdout (through a file, as peers.py does)."""
    with open(out, "wb") as f:
        t0 = time.perf_counter()
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.PIPE,
                              timeout=900)
        wall = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(f"{' '.join(argv[:4])} ...: exit {proc.returncode}: "
                 f"{proc.stderr.decode(errors='replace')[-500:]}")
    return wall, out.read_bytes()


def best(argv: list[str], repeat: int, out: Path) -> tuple[float, list[bytes]]:
    """The fastest wall time of `repeat` runs after a pause, and every run's stdout."""
    time.sleep(SETTLE)
    runs = [spawn(argv, out) for _ in range(repeat)]
    return min(w for w, _ in runs), [o for _, o in runs]


def micrograd(wl: wls.Workload, gc_off: bool, repeat: int, tmp: Path) -> tuple[float, str]:
    """micrograd's in-process build + backward (the fastest of `repeat`), as in peers.py."""
    script = tmp / f"micrograd_{wl.key}{'_nogc' if gc_off else ''}.py"
    script.write_text(peers.PRELUDE["micrograd"] + "\n\n" + wl.python + peers.MAIN.format(
        gc="gc.disable()" if gc_off else "", runner="run()"))
    data = [json.loads(o) for o in best([sys.executable, str(script)], repeat, tmp / "out")[1]]
    return min(d["seconds"] for d in data), check(wl, data[-1]["gradient"])


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def both(prog: Path, point: Path, repeat: int, tools: tuple[str, Path], tmp: Path):
    """(bpcalc s, its gradient), (tape s, its gradient) on one program and point file."""
    bpcalc, tape = tools
    bp, out = best([bpcalc, "grad", "-f", str(prog), "--point", str(point), "--fields",
                    "value,gradient"], repeat, tmp / "out")
    tp, out2 = best([sys.executable, str(tape), str(prog), str(point)], repeat, tmp / "out")
    return (bp, json.loads(out[-1]).get("gradient")), (tp, json.loads(out2[-1])["gradient"])


def files(wl: wls.Workload, tmp: Path, form: str = "reassignment", text: str = "") -> tuple:
    prog, point = tmp / f"{wl.key}_{form}.txt", tmp / f"{wl.key}.json"
    prog.write_text(text or wl.program)
    point.write_text(json.dumps({k: float(v) for k, v in wl.values.items()}))
    return prog, point


def measure(wl: wls.Workload, repeat: int, tools: tuple[str, Path], tmp: Path) -> list[str]:
    mg, mg_check = micrograd(wl, False, repeat, tmp)
    mg_off, mg_off_check = micrograd(wl, True, repeat, tmp)
    print(f"  {wl.label}: micrograd {mg:.3f} s ({mg_check}), gc off {mg_off:.3f} s "
          f"({mg_off_check})", file=sys.stderr, flush=True)
    rows, first = [], 0.0
    for form, text in zip(FORMS, (wl.program, three_address(wl), ssa(wl))):
        (bp, bp_grad), (tp, tp_grad) = both(*files(wl, tmp, form, text), repeat, tools, tmp)
        checks = {"bpcalc": check(wl, bp_grad), "tape": check(wl, tp_grad),
                  "micrograd": mg_check, "micrograd gc off": mg_off_check}
        print(f"  {wl.label} {form}: bpcalc {bp:.3f} s, tape {tp:.3f} s; {checks}",
              file=sys.stderr, flush=True)
        first = first or bp
        vs_first = {"reassignment": "1", "three-address": f"{bp / first:.2f}",
                    "SSA": f"{bp / first:.2f} {verdict(bp / first <= 1.3)}"}[form]
        bad = [f"{k} {v}" for k, v in checks.items() if v != "ok"]
        rows.append(
            f"| {wl.label} | {form} | {text.count(chr(10)):,} | {bp:.3f} | {tp:.3f} | "
            f"{bp / tp:.2f} {verdict(bp / tp <= 2.0)} | {mg:.3f} | {mg / bp:.2f}x | "
            f"{mg_off:.3f} | {mg_off / bp:.2f}x {verdict(mg_off / bp > 1.0)} | {vs_first} | "
            f"{'; '.join(bad) or 'all ok'} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10**5, help="W2's steps")
    parser.add_argument("--terms", type=int, default=10**5, help="W3's terms")
    parser.add_argument("--repeat", type=int, default=5, help="runs a series; the best is kept")
    args = parser.parse_args()
    started = datetime.now(timezone.utc)
    git = ["git", "-C", str(peers.HERE.parent), "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, capture_output=True, text=True).stdout.strip()
    where = subprocess.run([sys.executable, "-c", "import bpcalc; print(bpcalc.__path__[0])"],
                           capture_output=True, text=True).stdout.strip()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bpcalc-forms-") as name:
        tmp = Path(name)
        tools = (peers.console_script(), tmp / "tape.py")
        tools[1].write_text(TAPE)
        (bp_start, _), (tp_start, _) = both(*files(wls.seed(), tmp), 3 * args.repeat, tools,
                                            tmp)
        for wl in (wls.chain(args.steps), wls.loss(args.terms)):
            rows += measure(wl, args.repeat, tools, tmp)
    print("\n".join([
        f"`.venv/bin/python {' '.join(['benchmarks/forms.py', *sys.argv[1:]])}`", "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; commit {commit or '?'}; bpcalc imported from "
        f"`{where}`; best of {args.repeat} whole-process runs, a {SETTLE:g} s pause before "
        "each series",
        f"- Start-up (W1, whole process, best of {3 * args.repeat}): bpcalc {bp_start:.3f} s, "
        f"tape {tp_start:.3f} s",
        "- micrograd: in-process build + backward (as in peers.py), the same for every form; "
        "the \"vs\" columns are micrograd's time / bpcalc's whole process", "",
        "| workload | form | lines | bpcalc s | tape s | bpcalc / tape (≤ 2) | micrograd s "
        "| vs micrograd | micrograd gc off s | vs gc off (> 1) | bpcalc / reassignment "
        "(SSA ≤ 1.3) | gradients |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---|---|---|", *rows]))


if __name__ == "__main__":
    main()
