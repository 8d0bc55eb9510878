"""The op table's code spellings (spelling.spell): each row's value and partials written as
Python, C and JavaScript, held to the row's own functions.

Python must give the same bits (or also raise) as the table's functions: the compiled
batch path (compile/codegen.py) runs these spellings and promises single-point `grad`'s
numbers bit for bit. C goes through the system compiler and JavaScript through node, when
they are installed; their libm may round the last bit otherwise, so they agree to 4 ulps
where the table gives a finite number.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess

import pytest

from bpcalc.ops import OPS
from bpcalc.spelling import LANGUAGES, spell

SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 3.0, -3.0, 0.3, 1e-300, 40.0, -40.0, 700.0]


def _points(arity: int, n: int, seed: int) -> list[tuple[float, ...]]:
    rng = random.Random(seed)
    return [tuple(rng.choice(SPECIAL) if rng.random() < 0.3 else
                  rng.uniform(-5, 5) * 10.0 ** rng.randint(-5, 5) for _ in range(arity))
            for _ in range(n)]


def _outcome(fn, args) -> str:  # type: ignore[no-untyped-def]
    try:
        return repr(fn(*args))
    except Exception:  # the kind of exception is moot: the caller asks the engine then
        return "raises"


def _params(arity: int) -> list[str]:
    return ["x", "y"][:arity]


def test_every_row_is_spelled_in_every_language():
    for lang in LANGUAGES:
        for op in OPS.values():
            code = spell(op, lang)
            assert code.value and len(code.partials) == op.arity, (lang, op.name)
            assert "@" not in code.value + "".join(code.partials), (lang, op.name)
    with pytest.raises(ValueError, match="fortran"):
        spell(OPS["add"], "fortran")


@pytest.mark.parametrize("name", sorted(OPS))
def test_python_spelling_gives_the_tables_bits(name):
    op = OPS[name]
    code = spell(op, "python")
    params = _params(op.arity)
    sig = ", ".join(params)
    env = {"math": math}
    value = eval(f"lambda {sig}: {code.value.format(*params)}", env)
    partials = [eval(f"lambda {sig}, v: {p.format(*params, v='v')}", env)
                for p in code.partials]
    for args in _points(op.arity, 3000, 11):
        want = _outcome(op.value, args)
        assert _outcome(value, args) == want, (name, args)
        if want == "raises":
            continue
        out = (*args, op.value(*args))
        for slot, d in enumerate(partials):
            assert _outcome(d, out) == _outcome(op.partials[slot], out), (name, slot, args)


def _cases() -> list[tuple[str, int, tuple[float, ...], float, tuple[float, ...]]]:
    """(op, arity, args, table value, table partials) where the table gives finite numbers."""
    cases = []
    for name, op in sorted(OPS.items()):
        for args in _points(op.arity, 40, 5):
            try:
                v = op.value(*args)
                ds = tuple(p(*args, v) for p in op.partials)
            except (ValueError, ZeroDivisionError, OverflowError):
                continue
            if all(map(math.isfinite, (v, *ds))):
                cases.append((name, op.arity, args, v, ds))
    return cases


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 4 * math.ulp(max(abs(a), abs(b)))


def _check_program_output(cases, text: str) -> None:  # type: ignore[no-untyped-def]
    got = [json.loads(line) for line in text.splitlines()]
    assert len(got) == len(cases)
    for (name, _, args, v, ds), row in zip(cases, got):
        assert _close(float(row[0]), v), (name, args, row[0], v)
        for slot, d in enumerate(ds):
            assert _close(float(row[1 + slot]), d), (name, slot, args, row[1 + slot], d)


def _c_program(cases) -> str:  # type: ignore[no-untyped-def]
    lines = ["#include <math.h>", "#include <stdio.h>", "int main(void) {",
             "  double x, y, v;"]
    for name, arity, args, _, _ in cases:
        code = spell(OPS[name], "c")
        params = _params(arity)
        lines.append("  {")
        lines += [f"    {p} = {float.hex(a)};" for p, a in zip(params, args)]
        lines.append(f"    v = {code.value.format(*params)};")
        parts = ", ".join(f"({p.format(*params, v='v')})" for p in code.partials)
        lines.append('    printf("[%.17g' + ", %.17g" * arity + f']\\n", v, {parts});')
        lines.append("  }")
    lines += ["  return 0;", "}"]
    return "\n".join(lines) + "\n"


def test_c_spelling_agrees_with_the_table(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    cases = _cases()
    src, exe = tmp_path / "ops.c", tmp_path / "ops"
    src.write_text(_c_program(cases))
    subprocess.run([cc, "-std=c99", "-O0", "-o", str(exe), str(src), "-lm"], check=True,
                   capture_output=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    _check_program_output(cases, out)


def _js_program(cases) -> str:  # type: ignore[no-untyped-def]
    lines = ["let x, y, v;"]
    for name, arity, args, _, _ in cases:
        code = spell(OPS[name], "js")
        params = _params(arity)
        lines += [f"{p} = {a!r};" for p, a in zip(params, args)]
        lines.append(f"v = {code.value.format(*params)};")
        parts = ", ".join(f"({p.format(*params, v='v')})" for p in code.partials)
        lines.append(f"console.log(JSON.stringify([v, {parts}]));")
    return "\n".join(lines) + "\n"


def test_js_spelling_agrees_with_the_table(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node")
    cases = _cases()
    src = tmp_path / "ops.mjs"
    src.write_text(_js_program(cases))
    out = subprocess.run([node, str(src)], check=True, capture_output=True, text=True).stdout
    _check_program_output(cases, out)
