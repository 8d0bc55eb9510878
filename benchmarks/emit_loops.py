"""Loops of a family program (issue 24): micrograd's demo network (examples/moons.txt) emitted
by `bpcalc emit` as loops in Python, C and JavaScript, against the plain function.

The plain function is the same emitter's loops with no derivative (`wrt=[]`: the forward
loops alone), in the same language, as benchmarks/emit.py measures the scalar emitter.
Target: gradient / plain <= 5 in each language, and under 80 lines each. Also, for the
record, the element-by-element Python code that emit wrote before (one statement a node).
Python is called in-process (best of --repeat runs of --calls calls, the functions in turn
within each run); C is compiled with `cc -O2` and JavaScript run by node, each timing
--calls * 100 calls in its own loop, best of --repeat. Times are the process's CPU time
(a busy machine's waits are not counted; JavaScript's includes its collector threads').
It prints a markdown section and writes no file:

    .venv/bin/python benchmarks/emit_loops.py [--repeat K] [--calls C]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bpcalc.analysis import load, wrt_inputs  # noqa: E402
from bpcalc.analysis import point as analysis_point  # noqa: E402
from bpcalc.emitter import emit  # noqa: E402
from bpcalc.emitter.loop_check import nested  # noqa: E402
from bpcalc.emitter.loops import LoopCode, loops  # noqa: E402
from bpcalc.text.arrays import seeded  # noqa: E402
from bpcalc.text.values import assignments  # noqa: E402

GIVEN = ["x=[0.5,-0.3]", "y=1", "W1[16,2]=uniform(-1,1)", "b1=0", "W2[16,16]=uniform(-1,1)",
         "b2=0", "w3=uniform(-1,1)", "b3=0"]


def python_times(codes: list[tuple[str, str, list[Any]]], repeat: int,
                 calls: int) -> list[float]:
    """Best seconds a call of each function, timed in turn within each run (so that a
    busy machine slows them alike)."""
    fns = []
    for code, function, args in codes:
        env: dict[str, Any] = {}
        exec(compile(code, "<emitted>", "exec"), env)
        fns.append((env[function], args))
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for k, (fn, args) in enumerate(fns):
            t = time.process_time()
            for _ in range(calls):
                fn(*args)
            best[k] = min(best[k], (time.process_time() - t) / calls)
    return best


def c_time(grad: LoopCode, plain: LoopCode, args: list[Any], repeat: int, n: int) -> tuple[
        float, float]:
    decl = []
    for p, a in zip(grad.params, args):
        dims = "".join(f"[{k}]" for k in p.shape)
        init = json.dumps(a).replace("[", "{").replace("]", "}") if p.shape else repr(a)
        decl.append(f"static const double a_{p.name}{dims} = {init};")
    outs = [f"static double g_{f.name}{''.join(f'[{k}]' for k in f.shape)};" for f in grad.wrt]
    ins = ", ".join(f"a_{p.name}" for p in grad.params)
    gs = ", ".join(f"g_{f.name}" if f.shape else f"&g_{f.name}" for f in grad.wrt)
    code = "\n".join([
        grad.code, plain.code.replace("#include <math.h>", ""), "#include <stdio.h>",
        "#include <time.h>", *decl, *outs,
        "static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);"
        " return t.tv_sec + 1e-9 * t.tv_nsec; }",
        "int main(void) {", "    volatile double sink = 0;",
        f"    for (int r = 0; r < {repeat}; r++) {{",
        f"        double t = now(); for (int k = 0; k < {n}; k++) sink += "
        f"{grad.function}({ins}, {gs});",
        f"        double u = now(); for (int k = 0; k < {n}; k++) sink += "
        f"{plain.function}({ins});",
        f"        printf(\"%.9g %.9g\\n\", (u - t) / {n}, (now() - u) / {n});", "    }",
        "    return sink == 12345.0;", "}"])
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "b.c").write_text(code)
        subprocess.run(["cc", "-std=gnu99", "-O2", "b.c", "-o", "b", "-lm"], cwd=tmp, check=True)
        rows = subprocess.run(["./b"], cwd=tmp, capture_output=True, text=True,
                              check=True).stdout.split("\n")
    pairs = [tuple(map(float, r.split())) for r in rows if r]
    return min(p[0] for p in pairs), min(p[1] for p in pairs)


def js_time(grad: LoopCode, plain: LoopCode, args: list[Any], repeat: int, n: int) -> tuple[
        float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "g.mjs").write_text(grad.code)
        (Path(tmp) / "p.mjs").write_text(plain.code)
        (Path(tmp) / "run.mjs").write_text(
            f"import {{{grad.function}}} from './g.mjs';\n"
            f"import {{{plain.function}}} from './p.mjs';\n"
            f"const a = {json.dumps(args)};\nlet sink = 0;\nconst out = [];\n"
            f"for (let r = 0; r < {repeat}; r++) {{\n"
            "  const cpu = () => {\n"
            "    const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };\n"
            f"  let t = cpu();\n"
            f"  for (let k = 0; k < {n}; k++) sink += {grad.function}(...a).value;\n"
            f"  let u = cpu();\n"
            f"  for (let k = 0; k < {n}; k++) sink += {plain.function}(...a).value;\n"
            f"  out.push([(u - t) / {n}, (cpu() - u) / {n}]);\n}}\n"
            "console.log(JSON.stringify([out, sink]));\n")
        got = json.loads(subprocess.run(["node", "run.mjs"], cwd=tmp, capture_output=True,
                                        text=True, check=True).stdout)[0]
    return min(p[0] for p in got), min(p[1] for p in got)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--calls", type=int, default=200)
    a = ap.parse_args()
    source = (ROOT / "examples" / "moons.txt").read_text()
    values = seeded(assignments(GIVEN), 0)
    program = load(source, values)
    graph = program.graph()
    point = analysis_point(graph, program.flat(values))
    wrt = list(wrt_inputs(graph, None))
    rows = []
    b = p_python = 0.0
    lines_before = 0
    for lang in ("python", "c", "js"):
        grad = loops(program, graph, lang, wrt, "f")
        plain = loops(program, graph, lang, [], "plain")
        args = [nested(point, p) for p in grad.params]
        lines = grad.code.count("\n")
        if lang == "python":
            before = emit(graph, "python", "reverse", wrt, "f")
            flat_args = [point[n] for n, _ in graph.inputs]
            g, p, b = python_times([(grad.code, grad.function, args),
                                    (plain.code, plain.function, args),
                                    (before.code, before.function, flat_args)],
                                   a.repeat, a.calls)
            p_python, lines_before = p, before.code.count("\n")
        elif shutil.which("cc" if lang == "c" else "node") is None:
            rows.append(f"| {lang} | {lines} | (no {'cc' if lang == 'c' else 'node'}) | | | |")
            continue
        else:
            g, p = (c_time if lang == "c" else js_time)(grad, plain, args, a.repeat,
                                                       a.calls * 100)
        rows.append(f"| {lang} | {lines} | {g * 1e6:.2f} | {p * 1e6:.2f} | {g / p:.2f}x | "
                    f"{'met' if g / p <= 5 and lines < 80 else 'missed'} |")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print("## Emitted loops of a family program (`bpcalc emit`, issue 24)\n")
    print("`.venv/bin/python benchmarks/emit_loops.py`\n")
    print(f"- Date: {stamp}; examples/moons.txt ({len(graph.keys):,} nodes), gradient over all "
          f"{len(wrt)} inputs; best of {a.repeat} runs of {a.calls} calls (C and JavaScript: "
          f"{a.calls * 100} calls, cc -O2, node)\n")
    print("| language | lines | gradient µs a call | plain function µs | gradient / plain | "
          "<= 5x, < 80 lines |")
    print("|---|---:|---:|---:|---:|---|")
    print("\n".join(rows))
    print(f"\nBefore (one statement a node): Python {lines_before:,} lines, "
          f"{b * 1e6:.0f} µs a call, {b / p_python:.2f}x the plain loops.")


if __name__ == "__main__":
    main()
