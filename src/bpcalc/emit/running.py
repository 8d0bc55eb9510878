"""Running what was emitted: in-process for Python, through the system's C compiler and
node for C and JavaScript (`emit --check`, the tests), compared with the engine."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .writer import LANGS, Emitted, emit

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..build.graph import Graph


class Ran(NamedTuple):
    values: list[float]  # per output
    derivatives: list[float]  # as the function returns them, flat: output-major


def tool(lang: str) -> str | None:
    """The program that runs `lang` here, or None (Python always runs in-process)."""
    import shutil

    if lang == "python":
        return "python"
    return shutil.which("cc") if lang == "c" else shutil.which("node")


def run(e: Emitted, lang: str, args: Sequence[float], workdir: str) -> Ran:
    """Call the emitted function with `args` (inputs, then direction or cotangent)."""
    import json
    import subprocess
    from pathlib import Path

    n_out = len(e.outputs)
    if lang == "python":
        env: dict[str, object] = {}
        exec(compile(e.code, f"<bpcalc emit {e.function}>", "exec"), env)  # our own code
        function = cast(Callable[..., tuple[Any, Any]], env[e.function])
        value, derivs = function(*args)
        values = list(value) if n_out > 1 else [value]
        return Ran([float(v) for v in values], [float(x) for x in _flat(derivs)])
    folder = Path(workdir)
    if lang == "c":
        n = _count(e)
        several = n_out > 1
        main = (e.code + "\n#include <stdio.h>\n#include <stdlib.h>\n"
                f"int main(int argc, char **argv) {{\n    double grad[{n}];\n"
                f"    double values[{n_out}];\n"
                + (f"    double args[{len(args)}] = {{0}};\n"
                   "    for (int k = 1; k < argc; k++) args[k - 1] = strtod(argv[k], 0);\n"
                   if args else "    (void)argc; (void)argv;\n")
                + f"    values[0] = {e.function}("
                + "".join(f"args[{k}], " for k in range(len(args)))
                + ("values, " if several else "") + "grad);\n"
                + f"    if ({e.function}_error) {{ printf(\"error %s\\n\", {e.function}_error); "
                "return 1; }\n"
                f"    for (int k = 0; k < {n_out}; k++) printf(\"%.17g\\n\", values[k]);\n"
                f"    for (int k = 0; k < {n}; k++) printf(\"%.17g\\n\", grad[k]);\n"
                "    return 0;\n}\n")
        (folder / "f.c").write_text(main)
        done = subprocess.run([tool("c") or "cc", "-std=c99", "-Wall", "-Werror", "-O1", "f.c",
                               "-o", "f", "-lm"], cwd=folder, capture_output=True, text=True)
        if done.returncode:  # a bug in what bpcalc wrote: the check reports it
            raise ValueError("cc rejected it: " + " ".join(done.stderr.split())[:300])
        out = subprocess.run(["./f", *map(repr, args)], cwd=folder, capture_output=True,
                             text=True)
        if out.returncode:
            raise ValueError(out.stdout.strip())
        nums = [float(x) for x in out.stdout.split()]
        return Ran(nums[:n_out], nums[n_out:])
    (folder / "f.mjs").write_text(e.code)
    script = (f"import {{{e.function}}} from './f.mjs';\n"
              f"const r = {e.function}(...{json.dumps(list(args))});\n"
              "console.log(JSON.stringify(r));\n")
    (folder / "run.mjs").write_text(script)
    out = subprocess.run([tool("js") or "node", "run.mjs"], cwd=folder, capture_output=True,
                         text=True)
    if out.returncode:  # node prints the thrown error's line among others
        said = [ln for ln in out.stderr.splitlines() if re.match(r"\w*Error: ", ln)]
        raise ValueError(said[0].strip() if said else out.stderr.strip() or "node failed")
    r = json.loads(out.stdout)
    key = next(k for k in r if k != "value")
    values = list(r["value"].values()) if n_out > 1 else [r["value"]]
    return Ran([float(v) for v in values], [float(x) for x in _flat(r[key])])


def _count(e: Emitted) -> int:
    if e.extra and e.function.endswith("_jvp"):
        return len(e.outputs)
    if e.extra:
        return len(e.wrt)
    return len(e.outputs) * len(e.wrt)


def _flat(x: object) -> list[float]:
    """Numbers of a nested tuple or dict (in order), flat."""
    out: list[float] = []
    stack = [x]
    while stack:
        top = stack.pop()
        if isinstance(top, dict):
            stack.extend(reversed(list(top.values())))
        elif isinstance(top, list | tuple):
            stack.extend(reversed(top))
        else:
            out.append(float(cast(float, top)))
    return out


class LangCheck(NamedTuple):
    lang: str
    status: str  # "ok", "mismatch", "skipped (...)"
    points: int  # points compared
    worst: float  # largest relative difference from the engine
    note: str = ""


RTOL = 1e-12


def check(program: Analysis, point: dict[str, str | float] | None, *, mode: str = "reverse",
          wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
          vector: bool = False, seed: int = 0) -> tuple[LangCheck, ...]:
    """`emit --check`: the function emitted in every language run (Python in-process, C
    through the system compiler, JavaScript through node, where present) at the point, or
    at up to 5 random points of the domain, and compared with the engine to RTOL. With
    `vector`, the JVP (forward) or VJP (reverse) function, along random vectors."""
    import tempfile

    from .. import analysis

    graph = program.graph(outputs)
    rng = random.Random(seed)
    names = [n for n, _ in graph.inputs]
    points = [analysis.point(graph, point)] if point else _domain_points(graph, mode, wrt, rng)
    out_keys = [o for o, _ in graph.outputs]
    wrt_t = list(wrt or graph.input_at)
    found = []
    for lang in LANGS:
        if tool(lang) is None:
            found.append(LangCheck(lang, f"skipped (no {'cc' if lang == 'c' else 'node'} "
                                         "on this machine)", 0, 0.0))
            continue
        e = emit(graph, lang, mode, wrt_t, direction=wrt_t if vector and mode == "forward"
                 else None, cotangent=out_keys if vector and mode == "reverse" else None)
        worst, status, note = 0.0, "ok", ""
        with tempfile.TemporaryDirectory() as tmp:
            for p in points:
                r = analysis.grad(graph, p, mode, wrt_t)
                jac = [[r.jacobian[o][w] for w in wrt_t] for o in out_keys]
                extra = [rng.uniform(-1, 1) for _ in e.extra]
                if vector and mode == "forward":
                    want = [sum(row[k] * extra[k] for k in range(len(wrt_t))) for row in jac]
                elif vector:
                    want = [sum(jac[o][k] * extra[o] for o in range(len(out_keys)))
                            for k in range(len(wrt_t))]
                else:
                    want = [x for row in jac for x in row]
                values = [r.values[o] for o in out_keys]
                try:
                    got = run(e, lang, [p[n] for n in names] + extra, tmp)
                except ValueError as exc:
                    status, note = "mismatch", f"it failed at {p}: {exc}"
                    break
                pairs = list(zip(got.values, values)) + list(zip(got.derivatives, want))
                if len(got.derivatives) != len(want):
                    status, note = "mismatch", "it returned the wrong number of derivatives"
                    break
                for a, b in pairs:
                    gap = abs(a - b) / max(1.0, abs(a), abs(b))
                    worst = max(worst, gap)
                if worst > RTOL:
                    status = "mismatch"
        found.append(LangCheck(lang, status, len(points), worst, note))
    return tuple(found)


def _domain_points(graph: Graph, mode: str, wrt: Sequence[str] | None,
                   rng: random.Random) -> list[dict[str, float]]:
    """Up to 5 random points in (0.1, 0.9) where the engine has a gradient (of 50 drawn)."""
    from .. import analysis
    from ..errors import MathError

    points = []
    for _ in range(50):
        p = {n: rng.uniform(0.1, 0.9) for n, _ in graph.inputs}
        try:
            analysis.grad(graph, p, mode, wrt)
        except MathError:
            continue
        points.append(p)
        if len(points) == 5:
            break
    return points
