"""`bpcalc diff`: the reverse pass as formulas in the program's names (issue 17)."""

from __future__ import annotations

import json
import math
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc import formulas as F
from bpcalc.analysis import load
from bpcalc.cli import cli
from bpcalc.formulas.tex import tex_names
from bpcalc.ops import OPS

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "cases"
NEURON = (ROOT / "examples" / "neuron.txt").read_text()
NET = (ROOT / "examples" / "net.txt").read_text()


def cases() -> list[dict]:
    out = []
    for name in ("seed.jsonl", "programs.jsonl", "random.jsonl"):
        out += [json.loads(line) for line in (CASES / name).read_text().splitlines() if line]
    return out


def written(source: str) -> dict[str, str]:
    """Every line of the first output's formulas: left side -> text."""
    (b, *_) = F.backprop(load(source).graph()).blocks
    return {ln.left: F.text(ln.tree) for ln in (*b.deltas, *b.gradient, *b.where)}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- golden text ----------------------------------------------------------------------


def test_the_seed_in_the_articles_names():
    assert written("(a+b)*(b+1)") == {"∂v₃/∂a": "v₂", "∂v₃/∂b": "v₁ + v₂", "v₁": "a + b",
                                      "v₂": "b + 1"}
    # named, the same formulas and no where lines
    assert written("c = a + b; d = b + 1; e = c * d") == {"∂e/∂a": "d", "∂e/∂b": "c + d"}


def test_micrograds_neuron():
    assert written(NEURON) == {
        "δ_n": "1 - o^2", "∂o/∂x1": "δ_n·w1", "∂o/∂w1": "δ_n·x1", "∂o/∂x2": "δ_n·w2",
        "∂o/∂w2": "δ_n·x2", "∂o/∂b": "δ_n"}


def test_the_two_layer_network_as_backpropagation_computes_it():
    got = written(NET)
    assert [k for k in got if k.startswith("δ")] == ["δ_out", "δ_h1", "δ_h2", "δ_a1", "δ_a2"]
    assert got["δ_out"] == "2*(out - y)"
    assert got["δ_h1"] == "δ_out·u1"
    assert got["δ_a1"] == "δ_h1·(1 - h1^2)·v11 + δ_h2·(1 - h2^2)·v21"
    assert got["∂L/∂w11"] == "δ_a1·(1 - a1^2)·x1"
    assert got["∂L/∂u1"] == "δ_out·h1"
    assert got["∂L/∂y"] == "-2*(out - y)"


def test_kinks_read_as_the_grad_view_writes_them():
    got = written("relu(x)*y + abs(x - y) + max(x, y)")
    assert got["∂v₇/∂x"] == "sign(v₃) + step(x - y) + y·(x > 0)"
    assert got["∂v₇/∂y"] == "step(y - x) + v₁ - sign(v₃)" and got["v₁"] == "relu(x)"
    lat = F.latex(F.backprop(load("relu(x)*y").graph()).blocks[0].gradient[0].tree)
    assert lat == r"y \cdot \mathbb{1}\left[x > 0\right]"


# --- every formula is the engine's number ------------------------------------------------


@pytest.mark.parametrize("case", cases(), ids=lambda c: c["id"])
def test_every_formula_at_the_case_point_equals_the_engine(case):
    r = F.diff(load(case["expr"]), case["values"], outputs=case.get("outputs"), check=True)
    assert r.passed, [c for c in r.checks if not c.ok]
    truth = case.get("jacobian") or {r.outputs[0]: case["gradient"]}
    for b in r.formulas.blocks:
        for w, g in truth[b.output].items():
            line = next(ln for ln in b.gradient if ln.left.endswith(f"/∂{w}"))
            assert r.values[b.output, line.left] == pytest.approx(g, rel=1e-9, abs=1e-12)


EVERY_OP = ("a = sin(x)*cos(y) + tan(x/3) + exp(y/4) + log(x) + log2(x) + log10(y)\n"
            "b = sqrt(x)*asin(x/3) + acos(y/5) + atan(x) + sinh(y) + cosh(x) + tanh(y)\n"
            "c = sigmoid(x) + softplus(y) + relu(x - 1) + abs(x - y) + x^y + pow(y, x)\n"
            "a*b + c*max(x, y) + min(x, y) - x/y + (x > y)*a + (x < y)*b + (x >= y)*c "
            "+ (x <= 2*y)")


def test_every_rows_formula_text_agrees_with_its_function_at_random_points():
    rng = random.Random(7)
    program = load(EVERY_OP)
    for _ in range(25):
        point = {"x": repr(rng.uniform(0.1, 2.9)), "y": repr(rng.uniform(0.1, 4.9))}
        r = F.diff(program, point, check=True)
        assert r.passed, (point, [c for c in r.checks if not c.ok])
    used = {k[0] for k in program.graph().keys}
    assert set(OPS) <= used | {"neg"}


def test_a_formula_text_that_disagrees_with_its_function_fails_the_check(monkeypatch):
    row = OPS["tanh"]
    monkeypatch.setitem(OPS, "tanh", row._replace(dtext=("1 + tanh({0})^2",)))
    r = run("diff", "-f", str(ROOT / "examples" / "neuron.txt"), "--point",
            str(ROOT / "examples" / "neuron.json"), "--check", "--format", "plain")
    assert r.exit_code == 1 and "δ_n: the formula gives 1.5, the engine 0.5" in r.output


def test_check_needs_a_point():
    assert run("diff", "x*y", "--check").exit_code == 2


# --- names: the program's, or defined in a where line --------------------------------


@pytest.mark.parametrize("source", [c["expr"] for c in cases()] + [NEURON, NET, EVERY_OP])
def test_no_name_a_reader_cannot_look_up(source):
    graph = load(source).graph()
    known = {*graph.names, *graph.input_at, *(o for o, _ in graph.outputs)}
    for b in F.backprop(graph).blocks:
        known |= {ln.left for ln in b.where} | {ln.left for ln in b.deltas}
        for ln in (*b.deltas, *b.gradient, *b.where):
            for name in re.findall(r"δ_[\w.]+|[A-Za-z_][\w.]*(?=[^(\w.]|$)", F.text(ln.tree)):
                assert name in known or name.split(".")[0] in known, (source, name, ln)


def test_no_piecewise_or_heaviside_anywhere():
    source = "relu(x)*y + abs(x - y) + max(x, y) + min(x, 2)"
    outs = [run("diff", source, "--expand", *fmt).output for fmt in
            (["--json"], ["--format", "plain"], ["--latex", "--format", "plain"])]
    outs.append(run("grad", source, "x=0.5", "y=1", "--mode", "symbolic", "--json").output)
    for out in outs:
        assert "Piecewise" not in out and "Heaviside" not in out, out


# --- views, JSON, LaTeX --------------------------------------------------------------


def test_json_schema():
    d = json.loads(run("diff", NEURON, "x1=2", "w1=-3", "x2=0", "w2=1", "b=6.8813735870195432",
                       "--json").output)
    assert d["schema"] == "bpcalc/diff" and d["version"] == 2
    assert d["backprop"]["o"]["deltas"] == [
        {"name": "δ_n", "formula": "1 - o^2", "latex": "1 - o^{2}",
         "value": pytest.approx(0.5)}]
    assert d["gradient"]["w1"]["formula"] == "δ_n·x1"
    assert d["gradient"]["w1"]["value"] == pytest.approx(1.0)
    assert {"from": "n", "to": "o", "formula": "1 - tanh(n)^2", "latex": "1 - o^{2}"} \
        in d["edges"]


def test_the_views_fit_50_columns():
    r = CliRunner().invoke(cli, ["diff", "-f", str(ROOT / "examples" / "net.txt"),
                                 "--format", "plain"], env={"COLUMNS": "50"})
    assert r.exit_code == 0
    assert max(map(len, r.output.splitlines())) <= 50


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX (pdflatex) installed")
def test_latex_compiles(tmp_path):
    d = json.loads(run("diff", NET + "\nL + relu(x1) + abs(x2)", "--json").output)
    body = "\n".join(f"\\[ {g['latex']} \\]" for g in d["gradient"].values())
    body += "\n".join(f"\\[ {x['latex']} \\]" for x in d["backprop"]["f"]["deltas"]) \
        if "f" in d["backprop"] else ""
    doc = tmp_path / "f.tex"
    doc.write_text("\\documentclass{article}\\usepackage{amsmath,amssymb}\\begin{document}"
                   + body + "\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", doc.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


def test_diff_imports_no_sympy():
    code = ("import sys; from click.testing import CliRunner; from bpcalc.cli import cli; "
            f"r = CliRunner().invoke(cli, ['diff', {NET!r}]); assert r.exit_code == 0; "
            "print('sympy' in sys.modules)")
    out = subprocess.run([__import__("sys").executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "False"


def test_values_are_nan_free_at_a_kink():
    r = F.diff(load("relu(x)*y"), {"x": "0", "y": "2"}, check=True)
    assert r.passed and all(math.isfinite(v) for v in r.values.values())


# --- issue 29: reassigned inputs, every id defined, LaTeX names, depth ------------------


@pytest.mark.parametrize("source, point", [("x += 1", ["x=1"]),
                                           ("v = x; x = 3; s = v", ["x=1"]),
                                           ("x *= x; y = x*x", ["x=0.5"]),
                                           ("u = x; x += u; x *= u", ["x=2"])])
def test_a_reassigned_input_at_a_point(source, point):
    r = run("diff", source, *point, "--check", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["check"]["passed"] and list(d["gradient"]) == ["x"]
    g = json.loads(run("grad", source, *point, "--json").output)["gradient"]["x"]
    assert d["gradient"]["x"]["value"] == pytest.approx(g, rel=1e-12)


def test_a_program_without_inputs_checks_at_its_one_point():
    r = run("diff", "3", "--check", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["check"]["passed"]


def _shown_ids(d: dict) -> set[str]:
    """Every id the JSON shows: in formulas, derivatives and the edges table."""
    names = set()
    for out, b in d["backprop"].items():
        for ln in [*b["deltas"], *b["where"], *d["jacobian"][out].values()]:
            names |= set(re.findall(r"(?<![\w.])[A-Za-z_][\w.]*(?![\w(])", ln["formula"]))
    for e in d["edges"]:
        names |= {e["from"], e["to"]}
        names |= set(re.findall(r"(?<![\w.])[A-Za-z_][\w.]*(?![\w(])", e["formula"]))
    for ln in d["where"]:
        names |= set(re.findall(r"(?<![\w.])[A-Za-z_][\w.]*(?![\w(])", ln["formula"]))
    return names


@pytest.mark.parametrize("source", ["u = sin(x*y); v = u*u", "(a+b)*(b+1)", NEURON, NET,
                                    EVERY_OP, "sin(sin(x)*y)*exp(x*y) + cos(x)^2"]
                         + [c["expr"] for c in cases()])
def test_every_id_the_diff_shows_is_defined(source):
    """The program's names, its outputs, and a where line for every other id (case 7:
    `∂a/∂x` and `cos(a)` in the edges table, `a` defined nowhere)."""
    d = json.loads(run("diff", "--json", "--", source).output)
    graph = load(source).graph()
    known = {*graph.names, *graph.input_at, *d["outputs"]}
    known |= {ln["id"] for b in d["backprop"].values() for ln in b["where"]}
    known |= {ln["id"] for ln in d["where"]}
    for name in _shown_ids(d):
        name = name[2:] if name.startswith("δ_") else name
        assert name in known or name.split(".")[0] in known, (source, name)
    if source.startswith("u = sin"):
        assert d["where"] == [{"id": "t₁", "formula": "x*y", "latex": "x y"}]  # u, v: t


def test_latex_names_are_each_their_own():
    source = "x_1_2*x__y + _*_ + lambda_ + lambda + w11*w_11 + h1*h_1 + x"
    d = json.loads(run("diff", source, "--latex", "--expand", "--json").output)
    tex = F.backprop(load(source).graph()).tex
    assert len(set(tex.values())) == len(tex)
    assert tex["x__y"] == r"\mathit{x\_\_y}" and tex["_"] == r"\mathit{\_}"
    assert tex["lambda"] != tex["lambda_"] and tex["x"] == "x"
    assert tex["w11"] == r"\mathit{w11}" and tex["w_11"] == r"\mathit{w\_11}"  # alike
    for w, g in d["gradient"].items():  # one name, one spelling (2·_ SymPy writes 2 _)
        assert g["latex"] == g["expanded_latex"] or w == "_", w
    assert "^{y}" not in json.dumps(d) and "x_{1 2}" not in json.dumps(d)


def test_a_generated_id_never_prints_as_a_programs_name():
    source = "v[j] = j*x for j in 1..2\ny = v1*sin(x) + v[2]*cos(x) + v[1]"
    tex = F.backprop(load(source).graph()).tex  # the ids are u₁, u₂, ...: v[2] is v_{2}
    assert len(set(tex.values())) == len(tex)
    assert tex["v[2]"] == "v_{2}" and tex["u₂"] == "u_{2}"
    assert tex_names(["u₃", "u3", "x"]) == {"u₃": r"\hat{u}_{3}", "u3": "u_{3}", "x": "x"}


def test_latex_of_versions_and_index_families():
    from bpcalc.formulas.tex import tex_names

    got = tex_names(["a_b_c.1", "a_b_c", "u.1", "W1[2,1]", "h1[3]", "h1", "x.0", "w_i",
                     "W[2,1]", "h[3]", "h3", "W[11]", "W_11"])
    assert got == {"a_b_c.1": r"\mathit{a\_b\_c}^{(1)}", "a_b_c": r"\mathit{a\_b\_c}",
                   "u.1": "u^{(1)}", "W1[2,1]": "W_{1}[2,1]", "h1[3]": "h_{1}[3]",
                   "h1": "h_{1}", "x.0": "x^{(0)}", "w_i": "w_{i}", "W[2,1]": "W_{2,1}",
                   "h[3]": r"\mathit{h}[3]", "h3": r"\mathit{h3}",  # both h_{3}: written out
                   "W[11]": r"\mathit{W}[11]", "W_11": r"\mathit{W\_11}"}
    d = json.loads(run("diff", "a_b_c = x*x; a_b_c = a_b_c*x", "--json").output)
    said = json.dumps([d["gradient"]["x"]["latex"], *(e["latex"] for e in d["edges"])])
    assert r"\\mathit{a\\_b\\_c}^{(1)}" in said and "a\\\\_b\\\\_c.1" not in said


def test_a_deep_program_has_no_recursion_error():
    deep = "sin(" * 3000 + "x" + ")" * 3000
    r = run("diff", deep, "x=0.3", "--check", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["check"]["passed"]


def test_check_allows_rounding_in_proportion_to_the_terms_a_formula_adds():
    """Found by the long fuzz: 1/a - a/a^2 at a = 1e-9 is 0 from terms of 1e9, which the
    formula and the engine round apart (1 against 0.99999995708); a wrong formula still
    fails (test above)."""
    r = run("diff", "b = a; t = sin(sin(a / a)) + b", "a=1e-9", "--check", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["check"]["passed"], r.output
    assert F.magnitude(F.parse("1/2 - 3"), [], {}) == 3.5


def test_the_formulas_grow_with_the_program_not_its_square():
    """`((x+1)*x)*x ...`: each unnamed node's adjoint is its consumer's times x; written out
    whole, the gradient of 30,000 of them took 7 minutes (30,000 products of up to 30,000
    factors). A product past LONG factors gets a δ line: the text grows as the program."""
    def size(depth: int) -> int:
        source = "(" * depth + "x+1" + ")*x" * depth
        r = run("diff", source, "x=0.5", "--check", "--json")
        assert r.exit_code == 0 and json.loads(r.output)["check"]["passed"]
        return len(r.output)

    assert size(800) < 2.5 * size(400)


FAMILY = "h[j] = tanh(sum(W[j,i] * x[i] for i) + b[j]); out = sum(v[j]*h[j] for j)"
AT = ["W=[[0.1,0.2],[0.3,-0.4]]", "x=[0.5,-1]", "b=[0.1,0.2]", "v=[1,-2]"]


def test_a_family_program_in_its_own_names():
    """Elements are named nodes (`1 - h[1]^2`, not `1 - tanh(g)^2`), in LaTeX subscripts."""
    d = json.loads(run("diff", FAMILY, *AT, "--check", "--json").output)
    assert d["check"]["passed"]
    assert d["gradient"]["W[1,1]"]["formula"] == "v[1]·(1 - h[1]^2)·x[1]"
    assert d["gradient"]["W[1,1]"]["latex"] == r"v_{1} \cdot \left(1 - h_{1}^{2}\right) \cdot x_{1}"
