"""Running emit's loops (loops.py) against the engine: Python in-process, C through the
system's compiler, JavaScript through node; the value and every element of the gradient
compared to RTOL, at the point given or at random points."""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .loops import Family, LoopCode, loops
from .running import CFLAGS, LangCheck, compare, tool

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..graphs.graph import Graph


def looped(program: Analysis, graph: Graph, lang: str, mode: str, wrt: Sequence[str],
           name: str, vector: bool) -> LoopCode | None:
    """emit's loops where they apply: a family program's reverse-mode gradient that diff's
    index formulas cover (loops.py); None for every other program, emitted as before."""
    from ..formulas.indexed import Unsupported

    if not graph.families or mode != "reverse" or vector:
        return None
    try:
        return loops(program, graph, lang, wrt, name)
    except Unsupported:
        return None


def nested(values: Mapping[str, float], f: Family) -> Any:
    """A family's values as nested lists, row-major (a scalar's number alone)."""
    import itertools

    if not f.shape:
        return values[f.name]
    flat: list[Any] = [values[f"{f.name}[{','.join(map(str, k))}]"]
                       for k in itertools.product(*[range(1, n + 1) for n in f.shape])]
    for n in reversed(f.shape[1:]):
        flat = [flat[k:k + n] for k in range(0, len(flat), n)]
    return flat


def flat(x: Any) -> list[float]:
    out: list[float] = []
    stack = [x]
    while stack:
        top = stack.pop()
        if isinstance(top, list | tuple):
            stack.extend(reversed(top))
        else:
            out.append(float(top))
    return out


def call(e: LoopCode, lang: str, args: Sequence[Any], workdir: str) -> list[float]:
    """The value and the gradient, flat, of the emitted function called on `args`."""
    if lang == "python":
        env: dict[str, Any] = {}
        exec(compile(e.code, f"<bpcalc emit {e.function}>", "exec"), env)  # our own code
        value, grads = env[e.function](*args)
        if not isinstance(grads, tuple) or len(grads) != len(e.wrt):
            raise ValueError(f"it returned {type(grads).__name__} of {len(grads)}, not a tuple "
                             f"of {len(e.wrt)} gradients")
        return [float(value), *flat(list(grads))]
    folder = Path(workdir)
    if lang == "js":
        (folder / "f.mjs").write_text(e.code)
        (folder / "run.mjs").write_text(
            f"import {{{e.function}}} from './f.mjs';\n"
            f"const r = {e.function}(...{json.dumps(list(args))});\n"
            "console.log(JSON.stringify([r.value, "
            + ", ".join(f"Array.from(r.grad.{f.name}" + (", (row) => Array.from(row))"
                                                         if len(f.shape) > 1 else ")")
                        if f.shape else f"r.grad.{f.name}" for f in e.wrt) + "]));\n")
        out = subprocess.run([tool("js") or "node", "run.mjs"], cwd=folder, capture_output=True,
                             text=True)
        if out.returncode:
            raise ValueError(out.stderr.strip()[-300:])
        return flat(json.loads(out.stdout))
    main = [e.code, "#include <stdio.h>", "int main(void) {"]
    for p, a in zip(e.params, args):
        dims = "".join(f"[{n}]" for n in p.shape)
        init = json.dumps(a).replace("[", "{").replace("]", "}") if p.shape else repr(a)
        main.append(f"    static const double a_{p.name}{dims} = {init};")
    for f in e.wrt:
        main.append(f"    static double g_{f.name}{''.join(f'[{n}]' for n in f.shape)};")
    call_args = [f"a_{p.name}" for p in e.params] + \
        [f"g_{f.name}" if f.shape else f"&g_{f.name}" for f in e.wrt]
    main.append(f"    printf(\"%.17g\\n\", {e.function}({', '.join(call_args)}));")
    for f in e.wrt:
        n = 1
        for d in f.shape:
            n *= d
        where = f"(double *)g_{f.name}" if f.shape else f"&g_{f.name}"
        main.append(f"    for (int k = 0; k < {n}; k++) printf(\"%.17g\\n\", ({where})[k]);")
    main.append("    return 0;\n}\n")
    (folder / "f.c").write_text("\n".join(main))
    done = subprocess.run([tool("c") or "cc", *CFLAGS, "f.c", "-o", "f", "-lm"], cwd=folder,
                          capture_output=True, text=True)
    if done.returncode:
        raise ValueError("cc rejected it: " + " ".join(done.stderr.split())[:300])
    out = subprocess.run(["./f"], cwd=folder, capture_output=True, text=True)
    return [float(x) for x in out.stdout.split()]


def check_loops(program: Analysis, graph: Graph, point: Mapping[str, Any] | None,
                wrt: Sequence[str], name: str = "f", seed: int = 0) -> tuple[LangCheck, ...]:
    """`emit --check` of loops: each language's function at the point (or at up to 3
    random points in (-1, 1)) against the engine's value and gradient, to RTOL."""
    from .. import analysis
    from ..errors import MathError

    rng = random.Random(seed)
    out = graph.outputs[0][0]
    points = [analysis.point(graph, point)] if point else [
        {n: rng.uniform(-1, 1) for n in graph.input_at} for _ in range(3)]
    cases = []
    for p in points:
        try:
            r = analysis.grad(graph, p, "reverse", list(wrt))
        except MathError:
            if point:
                raise
            continue
        cases.append((p, r.values[out], r.jacobian[out]))
    made: dict[str, LoopCode] = {}

    def run_in(lang: str, args: list[Any], tmp: str) -> tuple[list[float], str]:
        if lang not in made:
            made[lang] = loops(program, graph, lang, wrt, name)
        return call(made[lang], lang, args, tmp), ""

    e = loops(program, graph, "python", wrt, name)  # the order of its arguments and gradient
    runs = [("the point" if point else "a random point",
             [nested(cast(Mapping[str, float], p), f) for f in e.params],
             [value, *(x for f in e.wrt for x in flat(nested(jac, f)))])
            for p, value, jac in cases]
    return compare(runs, run_in, "loops, a family an array")
