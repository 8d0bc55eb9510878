"""The naming step of emitted code (issue 29): every name on the languages' reserved lists,
as an input and as a statement's name, through `emit --check` in every language present,
in every kind of function; ids that are not identifiers made readable ones."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from bpcalc import emitter as E
from bpcalc.analysis import load
from bpcalc.cli import cli
from bpcalc.emitter import names as N
from bpcalc.text.parser import RESERVED

HAS_CC = shutil.which("cc") is not None
HAS_NODE = shutil.which("node") is not None
# every name the emitter declares, for the default name and --name g
DECLARED = [f"{f}{s}" for f in ("f_grad", "f_jvp", "f_vjp", "g_grad", "g_jvp", "g_vjp")
            for s in ("", "_error", "_fail")] + ["fGrad", "fJvp", "fVjp", "gGrad"]
# the language's own names are not the user's (sin, pi): what is left of each list
WORDS = sorted(n for n in {*N.PYTHON_WORDS, *N.C_WORDS, *N.JS_WORDS, *DECLARED}
               if re.fullmatch(r"[A-Za-z_]\w*", n, re.ASCII) and n not in RESERVED)
CALLS = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log",
         "log2", "log10", "sqrt", "abs", "sigmoid", "relu", "softplus")


def term(k: int, a: str, b: str) -> str:
    """Something of a and b, every function and operator in turn (defined on (0.1, 0.9))."""
    forms = [f"{f}({a})*{b}" for f in CALLS] + [
        f"pow({a}, {b})", f"max({a}, {b})", f"min({a}, {b})", f"{a}/{b}", f"{a}^2 - {b}",
        f"{a}^0.5 + {b}^-1", f"-{a}*{b}"]
    return forms[k % len(forms)]


def balanced(terms: list[str]) -> str:
    """A sum as a balanced tree of parentheses: a forward pass per input stays short."""
    while len(terms) > 1:
        terms = [f"({terms[k]} + {terms[k + 1]})" if k + 1 < len(terms) else terms[k]
                 for k in range(0, len(terms), 2)]
    return terms[0]


def program(names: list[str]) -> str:
    """The first half of `names` as inputs, the second as the statements' names, the last
    statement named by the last one; each statement feeds the next in runs of 8 (a forward
    pass per input stays short)."""
    half = len(names) // 2
    inputs, targets = names[:half], names[half:]
    lines = []
    for k, t in enumerate(targets[:-1]):
        a, b = inputs[k % half], inputs[(k + 1) % half]
        lines.append(f"{t} = {term(k, a, b)}" + (f" + 0.01*{targets[k - 1]}" if k % 8 else ""))
    lines.append(f"{targets[-1]} = {balanced(targets[:-1])}")
    return "\n".join(lines)


def check(*argv: str) -> str:
    r = CliRunner().invoke(cli, ["emit", *argv, "--check", "-o", "/dev/null"])
    assert r.exit_code == 0, r.output[-2000:]
    for lang in E.LANGS:
        assert f"{lang}: ok" in r.output or f"{lang}: skipped" in r.output, r.output
    assert "warned" not in r.output, r.output  # C compiles without a warning
    return r.output


def test_the_lists_are_the_languages_own():
    import builtins
    import keyword

    assert set(keyword.kwlist) | set(dir(builtins)) <= N.PYTHON_WORDS
    for w in ("all", "map", "abs", "max", "min", "len", "ValueError", "OverflowError", "math"):
        assert N.reserved(w, "python")
    for w in ("_Bool", "HUGE_VAL", "fabs", "log1p", "M_PI", "linux", "double_t", "__x", "_X"):
        assert N.reserved(w, "c"), w
    for w in ("static", "implements", "interface", "package", "private", "protected",
              "public", "arguments", "eval", "Number", "RangeError", "Math", "let"):
        assert N.reserved(w, "js"), w
    assert len(WORDS) > 400


@pytest.mark.skipif(not HAS_CC, reason="no C compiler (cc) on this machine")
def test_every_macro_of_math_h_is_on_the_c_list():
    """glibc's <math.h> in its most generous mode (GNU extensions, C23): each macro a
    user's name could meet is on the list (or reserved by its leading underscore)."""
    out = subprocess.run(["cc", "-E", "-dM", "-D_GNU_SOURCE", "-std=gnu2x", "-"],
                         input="#include <math.h>\n", capture_output=True, text=True,
                         check=True).stdout
    macros = {line.split()[1].split("(")[0] for line in out.splitlines()}
    assert not {m for m in macros if not N.reserved(m, "c")}


@pytest.mark.parametrize("half", [0, 1])
def test_every_reserved_name_as_input_and_statement_in_every_function(half):
    """Every name of every list, once as an input and once as a statement's name (the
    two halves swap), in the gradient (both modes), the JVP and the VJP (its outputs feed
    one another), with --name g, through --check in Python, C (no warning) and
    JavaScript."""
    names = WORDS[half::2] + WORDS[1 - half::2]
    source = program(names)
    outs = ",".join(re.findall(r"^(\w+) =", source, re.M)[-3:])
    check(source, "--output", outs, "--cotangent", *(["--name", "g"] if half else []))
    check(source, "--mode", "forward", "--direction", *([] if half else ["--name", "g"]))
    if not half:
        check(source)
        check(source, "--mode", "forward", "--output", outs)


@pytest.mark.skipif(not HAS_CC, reason="no C compiler (cc) on this machine")
def test_the_c_compiles_cleanly_in_a_users_gnu_mode_too(tmp_path):
    """Where <math.h> defines M_PI, `linux` is a macro and C23's words are keywords."""
    graph = load(program(WORDS)).graph()
    (tmp_path / "f.c").write_text(E.emit(graph, "c").code)
    for std in ("c99", "gnu2x"):
        done = subprocess.run(["cc", f"-std={std}", "-D_GNU_SOURCE", "-Wall", "-Wextra",
                               "-pedantic", "-Werror", "-c", "f.c"], cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[:2000]


# --- ids that are not identifiers -------------------------------------------------------


def test_a_node_id_becomes_a_readable_identifier_that_no_program_name_takes():
    namer = N.Namer("python", ["f_grad"])
    got = namer.ids(["W1[2,1]", "W1_2_1", "h1[3]", "x.0", "x", "x_0", "class", "class_",
                     "W1_2[1]"])
    assert got == ["W1_2_1_", "W1_2_1", "h1_3", "x_0_", "x", "x_0", "class__", "class_",
                   "W1_2_1__"]
    assert N.stem("W1[2,1]") == "W1_2_1" and N.stem("h1[3]") == "h1_3"
    c = N.Namer("c", [])
    assert c.ids(["_Bool", "__x", "fabs", "ok"]) == ["v_Bool", "v__x", "fabs_", "ok"]


def test_object_keys_in_javascript():
    assert N.js_key("x") == "x" and N.js_key("class") == "class"
    assert N.js_key("W1[2,1]") == '"W1[2,1]"'
    assert N.js_key("__proto__") == '["__proto__"]'


@pytest.mark.skipif(not HAS_NODE, reason="no node on this machine")
def test_an_input_named_proto_is_a_key_of_the_result():
    r = CliRunner().invoke(cli, ["emit", "__proto__*y + y", "--check", "-o", "/dev/null"])
    assert r.exit_code == 0 and "js: ok" in r.output, r.output
