"""`bpcalc emit` (issue 15): the gradient as a Python, C or JavaScript function, checked
against the engine on every reference case."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc import emitter as E
from bpcalc.analysis import grad, load, point
from bpcalc.cli import cli
from bpcalc.emitter import running
from bpcalc.graphs.graph import PLAIN_DIGITS

CASES_DIR = Path(__file__).parent / "cases"
GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parent.parent
SEED = "(a+b)*(b+1)"
HAS_CC = shutil.which("cc") is not None
HAS_NODE = shutil.which("node") is not None
TOL = 1e-12


def cases() -> list[dict]:
    out = []
    for name in ("seed.jsonl", "programs.jsonl", "random.jsonl"):
        out += [json.loads(line) for line in (CASES_DIR / name).read_text().splitlines()
                if line]
    return out


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def engine(case: dict) -> tuple[list[float], list[float]]:
    """The engine's values and Jacobian (output-major) at the case's point."""
    graph = load(case["expr"]).graph(case.get("outputs"))
    r = grad(graph, case["values"], "reverse")
    outs = [o for o, _ in graph.outputs]
    return [r.values[o] for o in outs], [r.jacobian[o][w] for o in outs for w in r.wrt]


def args(case: dict) -> list[float]:
    graph = load(case["expr"]).graph(case.get("outputs"))
    at = point(graph, case["values"])
    return [at[n] for n, _ in graph.inputs]


def run(*argv: str):
    return CliRunner().invoke(cli, list(argv))


# --- golden text ------------------------------------------------------------------------


@pytest.mark.parametrize("lang, ext", [("python", "py"), ("c", "c"), ("js", "js")])
def test_the_seed_in_each_language(lang, ext):
    r = run("emit", SEED, "--lang", lang)
    assert r.exit_code == 0
    assert r.output == (GOLDEN / f"seed_grad.{ext}").read_text()


def test_the_python_seed_reads_like_the_article():
    code = run("emit", "c = a + b; d = b + 1; e = c * d").output
    for line in ("c = a + b", "d = b + 1.0", "e = c * d", "de_dd = c  # ∂e/∂d = c",
                 "de_dc = d  # ∂e/∂c = d", "de_db = de_dc  # ∂c/∂b = 1",
                 "de_db += de_dd  # ∂d/∂b = 1", "return e, (de_da, de_db)"):
        assert f"    {line}\n" in code, line


# --- every case, every language, both modes ----------------------------------------------


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("case", cases(), ids=lambda c: c["id"])
def test_emitted_python_equals_the_engine(case, mode, tmp_path):
    graph = load(case["expr"]).graph(case.get("outputs"))
    e = E.emit(graph, "python", mode)
    got = E.run(e, "python", args(case), str(tmp_path))
    values, jac = engine(case)
    assert all(map(close, got.values, values)) and len(got.derivatives) == len(jac)
    assert all(map(close, got.derivatives, jac)), (got, jac)


def _together(lang: str, mode: str, tmp_path: Path) -> None:
    """Every case's function in one C file or one node run, each compared with the
    engine: one compile for all of them."""
    found = []
    for n, case in enumerate(cases()):
        graph = load(case["expr"]).graph(case.get("outputs"))
        found.append((case, E.emit(graph, lang, mode, name=f"f{n}")))
    if lang == "c":
        lines = []
        for n, (case, e) in enumerate(found):
            values, jac = engine(case)
            n_out, several = len(values), len(values) > 1
            call = ", ".join([*map(repr, args(case)), *(["v"] if several else []), "g"])
            lines.append(f"{{ double g[{len(jac)}], v[{n_out}]; v[0] = {e.function}({call}); "
                         f'printf("{n}"); for (int k = 0; k < {n_out}; k++) '
                         'printf(" %.17g", v[k]); '
                         f'for (int k = 0; k < {len(jac)}; k++) printf(" %.17g", g[k]); '
                         'printf("\\n"); }')
        source = "".join(e.code.replace("#include <math.h>\n", "") for _, e in found)
        main = ("#include <math.h>\n#include <stdio.h>\n" + source
                + "int main(void) {\n" + "\n".join(lines) + "\nreturn 0;\n}\n")
        (tmp_path / "all.c").write_text(main)
        subprocess.run(["cc", *running.CFLAGS, "-Werror", "all.c", "-o", "all",
                        "-lm"], cwd=tmp_path, check=True, capture_output=True, text=True)
        out = subprocess.run(["./all"], cwd=tmp_path, check=True, capture_output=True,
                             text=True).stdout
    else:
        script = []
        for n, (_, e) in enumerate(found):
            (tmp_path / f"f{n}.mjs").write_text(e.code)
            script.append(f"import {{{e.function}}} from './f{n}.mjs';")
        for n, (case, e) in enumerate(found):
            script.append(f"console.log({n}, JSON.stringify({e.function}(...{args(case)!r})));")
        (tmp_path / "all.mjs").write_text("\n".join(script) + "\n")
        out = subprocess.run(["node", "all.mjs"], cwd=tmp_path, check=True,
                             capture_output=True, text=True).stdout
    rows = out.splitlines()
    assert len(rows) == len(found)
    for row, (case, _) in zip(rows, found):
        values, jac = engine(case)
        if lang == "c":
            nums = [float(x) for x in row.split()[1:]]
        else:
            r = json.loads(row.split(" ", 1)[1])
            nums = running._flat(r["value"]) + running._flat(r[next(k for k in r if k != "value")])
        assert len(nums) == len(values) + len(jac), case["id"]
        assert all(map(close, nums, values + jac)), (case["id"], nums, values + jac)


@pytest.mark.skipif(not HAS_CC, reason="no C compiler (cc) on this machine")
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_emitted_c_compiles_with_wall_werror_and_equals_the_engine(mode, tmp_path):
    _together("c", mode, tmp_path)


@pytest.mark.skipif(not HAS_NODE, reason="no node on this machine")
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_emitted_javascript_equals_the_engine(mode, tmp_path):
    _together("js", mode, tmp_path)


# --- what the code says and does -----------------------------------------------------


def test_reverse_statements_follow_the_rows_of_the_reverse_table():
    source = (ROOT / "examples" / "neuron.txt").read_text()
    table = run("grad", source, "x1=2", "w1=-3", "x2=0", "w2=1", "b=6.88", "--format",
                "plain").output
    rows = [r.translate(PLAIN_DIGITS)  # the code's v3 is the table's v₃
            for r in re.findall(r"^  ∂o/∂(\w+)\s+=  ∂o/∂", table, re.M)]
    code = run("emit", source).output
    first = []
    for m in re.finditer(r"^    do_d(\w+) = ", code, re.M):
        if m.group(1) not in first:
            first.append(m.group(1))
    assert first == rows and rows


def test_kink_conventions_are_commented():
    code = run("emit", "relu(x)*y + max(x, y)").output
    assert "relu'(0) is taken as 0" in code and "at a tie each side gets 0.5" in code


def test_a_domain_error_names_the_node_in_every_language(tmp_path):
    graph = load("log(x - 2)*y").graph()
    msg = "math error at node v₂ = log(v₁): log is undefined here: it needs v₁ > 0"
    e = E.emit(graph, "python")
    with pytest.raises(ValueError, match=re.escape(msg)):
        E.run(e, "python", [1.0, 2.0], str(tmp_path))
    if HAS_NODE:
        with pytest.raises(ValueError, match="RangeError: " + re.escape(msg)):
            E.run(E.emit(graph, "js"), "js", [1.0, 2.0], str(tmp_path))
    if HAS_CC:
        with pytest.raises(ValueError, match=re.escape(msg)):
            E.run(E.emit(graph, "c"), "c", [1.0, 2.0], str(tmp_path))


def test_no_unused_variables_and_only_math():
    code = run("emit", "-f", str(ROOT / "examples" / "net.txt"), "--wrt", "w11").output
    assigned = re.findall(r"^    (\w+) \+?= ", code, re.M)
    for name in set(assigned):
        assert len(re.findall(rf"\b{name}\b", code)) > 1, name  # each is read
    assert re.findall(r"^import (\w+)", code, re.M) == ["math"]
    assert "dh2_" not in code or "w11" in code  # only what ∂L/∂w11 needs


def test_jvp_and_vjp_functions():
    prog = "r = sqrt(x*x + y*y); phi = atan(y/x)"
    r = run("emit", prog, "--output", "r,phi", "--mode", "forward", "--direction", "--check")
    assert r.exit_code == 0 and "def f_jvp(x, y, v_x, v_y):" in r.output
    r = run("emit", prog, "--output", "r,phi", "--cotangent", "--check")
    assert r.exit_code == 0 and "def f_vjp(x, y, u_r, u_phi):" in r.output
    assert run("emit", prog, "--direction").exit_code == 2  # a JVP is a forward pass


def test_check_reports_each_language_and_fails_on_a_wrong_spelling(monkeypatch):
    r = run("emit", "-f", str(ROOT / "examples" / "neuron.txt"), "--point",
            str(ROOT / "examples" / "neuron.json"), "--check")
    assert r.exit_code == 0
    assert "python: ok at 1 point" in r.output
    from bpcalc import ops

    row = ops.OPS["mul"]
    monkeypatch.setitem(ops.OPS, "mul", row._replace(
        code=row.code._replace(partials=("{1}", "{1}"))))  # ∂(a*b)/∂b written as b
    r = run("emit", SEED, "a=2", "b=1", "--check", "--lang", "js")
    assert r.exit_code == 1 and "mismatch" in r.output


def test_python_gradient_is_finite_checked():
    code = run("emit", "exp(x)*1e300").output
    env: dict = {}
    exec(code, env)  # noqa: S102
    with pytest.raises(OverflowError):
        env["f_grad"](20.0)  # 1e300*e^20 is beyond a double
    assert math.isfinite(env["f_grad"](1.0)[0])


@pytest.mark.parametrize("source", ["3", "x", "x*0 + 2", "k = 3; k*x"])
def test_degenerate_programs_check_in_every_language(source):
    r = run("emit", source, "--check")
    assert r.exit_code == 0, r.output
    assert "mismatch" not in r.output


# --- issue 29: names, dead statements, what --check calls a failure ------------------------


@pytest.mark.skipif(not HAS_CC, reason="no C compiler (cc) on this machine")
@pytest.mark.parametrize("name, global_", [("f", "f_grad_error"), ("g", "g_grad_error"),
                                           ("f", "f_grad_fail")])
def test_an_input_named_like_the_error_global_of_c(name, global_, tmp_path):
    """It hid the global (0 for every x); now the parameter is renamed."""
    graph = load(f"{global_} * 2").graph()
    e = E.emit(graph, "c", name=name)
    param = re.search(rf"double {name}_grad\(double (\w+),", e.code).group(1)
    assert param == global_ + "_"
    got = E.run(e, "c", [3.0], str(tmp_path))
    assert got.values == [6.0] and got.derivatives == [2.0]
    assert run("emit", f"{global_} * 2", "--lang", "c", "--name", name, "--check").exit_code == 0


def test_a_name_the_python_code_calls():
    r = run("emit", "all*2 + map*max(map, len)", "--check")
    assert r.exit_code == 0 and "mismatch" not in r.output, r.output


def test_past_eight_thousand_unnamed_nodes_no_id_is_a_name_the_code_calls(monkeypatch,
                                                                          tmp_path):
    source = " + ".join(f"sin(x*{k}.5)" for k in range(3000))
    graph = load(source).graph()  # once a, b, ... reached map, len and int here
    assert not {"map", "len", "int", "iter", "all"} & set(graph.ids)
    got = E.run(E.emit(graph, "python"), "python", [0.3], str(tmp_path))
    values, jac = engine({"expr": source, "values": {"x": 0.3}})
    assert all(map(close, got.values + got.derivatives, values + jac))
    monkeypatch.setattr(running, "tool", lambda lang: "python" if lang == "python" else None)
    r = run("emit", source, "--check", "-o", str(tmp_path / "f.py"))
    assert r.exit_code == 0 and "python: ok" in r.output, r.output


@pytest.mark.parametrize("lang", E.LANGS)
def test_a_statement_no_output_needs_is_not_written_but_its_guard_is(lang):
    code = run("emit", "u = x*2; w = log(z); y = x+1", "--lang", lang).output
    assert not re.search(r"\bu\b", code.split("*/")[-1].split('"""')[-1])
    assert "log is undefined" in code  # grad fails where z <= 0: so does the function
    r = run("emit", "u = x*2; y = x+1", "--check")
    assert r.exit_code == 0 and "mismatch" not in r.output, r.output
    r = run("emit", "u = x*2; w = log(z); y = x+1", "z=-1", "x=1", "--check")
    assert r.exit_code == 1 and "log" in r.output  # the engine's own math error


@pytest.mark.skipif(not HAS_CC, reason="no C compiler (cc) on this machine")
def test_a_compiler_warning_is_reported_not_a_failure(monkeypatch):
    from bpcalc.emitter import frames

    monkeypatch.setattr(frames, "_unused", lambda w, params, outs: [])
    r = run("emit", "u = z*2; y = x+1", "--lang", "c", "--check")
    assert r.exit_code == 0, r.output
    assert re.search(r"c: ok at 5 points.*warned: .*unused parameter", r.output), r.output


@pytest.mark.parametrize("name, lang", [
    ("static", "js"), ("implements", "js"), ("interface", "js"), ("package", "js"),
    ("private", "js"), ("protected", "js"), ("public", "js"), ("arguments", "js"),
    ("eval", "js"), ("Number", "js"), ("RangeError", "js"), ("_Bool", "c"),
    ("HUGE_VAL", "c"), ("fabs", "c"), ("log1p", "c"), ("f_grad_fail", "c"),
    ("ValueError", "python")])
def test_the_names_the_probe_found(name, lang):
    source = f"{name}*softplus({name}) + abs({name}) + log({name})"
    r = run("emit", source, "--check")
    assert r.exit_code == 0 and "mismatch" not in r.output, r.output
    params = re.search(r"\(([^)]*)\)", run("emit", source, "--lang", lang).output.split(
        "f_grad(" if lang != "js" else "fGrad(")[1].join("()")).group(1)
    assert params.split(",")[0].strip().split()[-1] != name


def test_a_vjp_whose_outputs_feed_one_another():
    for outs in ("a,b", "b,a", "a,b,x"):
        r = run("emit", "a = x*x; b = a*2", "--output", outs, "--cotangent", "--check")
        assert r.exit_code == 0 and "mismatch" not in r.output, (outs, r.output)


@pytest.mark.parametrize("lang", E.LANGS)
def test_a_comment_in_the_program_cannot_end_the_doc_comment(lang):
    r = run("emit", 'y = x*2 # a """ b */ \\N{x} c\nz = y + 1  # */', "--lang", lang,
            "--check")
    assert r.exit_code == 0 and "mismatch" not in r.output, r.output
    assert "\\N{x}" not in r.output and "y = x*2; z = y + 1" in r.output  # comments left out


@pytest.mark.parametrize("source, point", [("relu(y)*sqrt(x) + x", ["x=0", "y=-1"]),
                                           ("y = x; z = (y^y)*y", ["x=0"]),
                                           ("relu(y)*log(x) + x", ["x=1e-320", "y=-1"])])
def test_an_infinite_local_derivative_times_a_zero_adjoint_adds_zero(source, point):
    """As the engine takes it (the edge's value is null in grad's JSON): found by the
    fuzz, `x^x` at 0 raised 'math domain error'."""
    edges = json.loads(run("grad", source, *point, "--json").output)["edges"]
    assert any(e["value"] is None for e in edges)
    r = run("emit", source, *point, "--check")
    assert r.exit_code == 0 and "mismatch" not in r.output, r.output


@pytest.mark.parametrize("flags", [["--mode", "forward", "--direction"], ["--cotangent"]])
@pytest.mark.parametrize("source", ["k = 2", "3"])
def test_a_jvp_or_vjp_of_a_program_without_inputs(source, flags):
    """Found by the long fuzz: C's harness read no J·v from a JVP of no inputs."""
    r = run("emit", source, *flags, "--check", "-o", "/dev/null")
    assert r.exit_code == 0 and "mismatch" not in r.output, r.output


def test_a_family_program_names_each_element_readably():
    """Elements `W[1,1]` are parameters `W_1_1`; a name the program writes that way keeps
    it (the element's gives way); JavaScript's keys are the elements' own names."""
    source = ("h[j] = tanh(sum(W[j,i] * x[i] for i) + b[j]); W_1_1 = 2*h[1]; "
              "out = sum(v[j]*h[j] for j) + W_1_1")
    at = ["W=[[0.1,0.2],[0.3,-0.4]]", "x=[0.5,-1]", "b=[0.1,0.2]", "v=[1,-2]"]
    r = run("emit", source, *at, "--check")
    assert r.exit_code == 0 and "mismatch" not in r.output, r.output
    code = run("emit", source, *at).output
    assert "def f_grad(W_1_1_, W_1_2, W_2_1, W_2_2, b_1, b_2, x_1, x_2, v_1, v_2):" in code
    assert "    W_1_1 = 2.0 * h_1" in code
    js = run("emit", source, *at, "--lang", "js").output
    assert '{"W[1,1]": dout_dW_1_1_, "W[1,2]": dout_dW_1_2,' in js
