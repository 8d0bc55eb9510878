"""Running what was emitted: in-process for Python, through the system's C compiler and
node for C and JavaScript (`emit --check`, the tests), compared with the engine."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .writer import LANGS, Emitted, emit

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..graphs.graph import Graph


class Ran(NamedTuple):
    values: list[float]  # per output
    derivatives: list[float]  # as the function returns them, flat: output-major
    warnings: str = ""  # what the compiler said of the code, if anything

# C as a user's build compiles it: every warning is reported (`emit --check` shows them),
# only an error fails
CFLAGS = ("-std=c99", "-Wall", "-Wextra", "-pedantic", "-O1")


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

    n_out = len(e.outputs)
    if lang == "python":
        try:
            value, derivs = _python_function(e)(*args)
        except ValueError:
            raise
        except Exception as exc:  # a bug in what bpcalc wrote, or an overflow: reported
            raise ValueError(f"{type(exc).__name__}: {exc}") from None
        values = list(value) if n_out > 1 else [value]
        return Ran([float(v) for v in values], [float(x) for x in _flat(derivs)])
    folder = Path(workdir)
    if lang == "c":
        n = _count(e)
        several = n_out > 1
        main = (e.code + "\n#include <stdio.h>\n#include <stdlib.h>\n"
                f"int main(int argc, char **argv) {{\n    double grad[{max(n, 1)}];\n"
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
        warned = _compiled(folder, main)
        out = subprocess.run(["./f", *map(repr, args)], cwd=folder, capture_output=True,
                             text=True)
        if out.returncode:
            raise ValueError(out.stdout.strip())
        nums = [float(x) for x in out.stdout.split()]
        return Ran(nums[:n_out], nums[n_out:], warned)
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


_LAST: dict[str, Callable[..., tuple[Any, Any]]] = {}  # the last code run, compiled


def _python_function(e: Emitted) -> Callable[..., tuple[Any, Any]]:
    if e.code not in _LAST:
        env: dict[str, object] = {}
        exec(compile(e.code, f"<bpcalc emit {e.function}>", "exec"), env)  # our own code
        _LAST.clear()
        _LAST[e.code] = cast(Callable[..., tuple[Any, Any]], env[e.function])
    return _LAST[e.code]


def _compiled(folder: Path, source: str) -> str:
    """`source` compiled to `folder`/f (once: again only when the source changes); the
    compiler's warnings, on one line. An error raises ValueError (a bug in what bpcalc
    wrote: the check reports it)."""
    import subprocess

    c, said = folder / "f.c", folder / "f.warnings"
    if c.exists() and said.exists() and c.read_text() == source:
        return said.read_text()
    c.write_text(source)
    done = subprocess.run([tool("c") or "cc", *CFLAGS, "f.c", "-o", "f", "-lm"], cwd=folder,
                          capture_output=True, text=True)
    if done.returncode:
        raise ValueError("cc rejected it: " + " ".join(done.stderr.split())[:300])
    warned = " ".join(done.stderr.split())[:300]
    said.write_text(warned)
    return warned


def _count(e: Emitted) -> int:
    """The numbers the function writes to grad (a JVP of no inputs still one per output)."""
    return {"jvp": len(e.outputs), "vjp": len(e.wrt)}.get(e.kind, len(e.outputs) * len(e.wrt))


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
    from ..errors import MathError

    graph = program.graph(outputs)
    rng = random.Random(seed)
    names = [n for n, _ in graph.inputs]
    out_keys = [o for o, _ in graph.outputs]
    wrt_t = list(wrt or graph.input_at)
    jvp, vjp = vector and mode == "forward", vector and mode == "reverse"
    cases = []  # per point: the arguments, and the engine's values and derivatives
    for p in [analysis.point(graph, point)] if point else _domain_points(graph, rng):
        try:
            r = analysis.grad(graph, p, mode, wrt_t)
        except MathError:
            if point:
                raise
            continue  # a random point out of the domain: another
        jac = [[r.jacobian[o][w] for w in wrt_t] for o in out_keys]
        extra = [rng.uniform(-1, 1) for _ in (wrt_t if jvp else out_keys if vjp else ())]
        if jvp:
            want = [sum(row[k] * extra[k] for k in range(len(wrt_t))) for row in jac]
        elif vjp:
            want = [sum(jac[o][k] * extra[o] for o in range(len(out_keys)))
                    for k in range(len(wrt_t))]
        else:
            want = [x for row in jac for x in row]
        cases.append((p, [p[n] for n in names] + extra, [r.values[o] for o in out_keys] + want))
        if len(cases) == 5:
            break
    found = []
    for lang in LANGS:
        if tool(lang) is None:
            found.append(LangCheck(lang, f"skipped (no {'cc' if lang == 'c' else 'node'} "
                                         "on this machine)", 0, 0.0))
            continue
        e = emit(graph, lang, mode, wrt_t, direction=wrt_t if jvp else None,
                 cotangent=out_keys if vjp else None)
        worst, status, note = 0.0, "ok", ""
        with tempfile.TemporaryDirectory() as tmp:
            for p, argv, want in cases:
                try:
                    got = run(e, lang, argv, tmp)
                except ValueError as exc:
                    status, note = "mismatch", f"it failed at {p}: {exc}"
                    break
                if got.warnings:
                    note = f"cc {' '.join(CFLAGS)} warned: {got.warnings}"
                if len(got.values) + len(got.derivatives) != len(want):
                    status, note = "mismatch", "it returned the wrong number of derivatives"
                    break
                for a, b in zip([*got.values, *got.derivatives], want):
                    worst = max(worst, abs(a - b) / max(1.0, abs(a), abs(b)))
                if worst > RTOL:
                    status = "mismatch"
        found.append(LangCheck(lang, status, len(cases), worst, note))
    return tuple(found)


def _domain_points(graph: Graph, rng: random.Random) -> Iterator[dict[str, float]]:
    """50 random points in (0.1, 0.9): check takes the first 5 where the engine has a
    gradient."""
    for _ in range(50):
        yield {n: rng.uniform(0.1, 0.9) for n, _ in graph.inputs}
