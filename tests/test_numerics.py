"""Numbers at the edges (issue 14): the fuzz run's findings, each a regression test."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import mpmath
import pytest
from click.testing import CliRunner

from bpcalc.cli import cli

BPCALC = [sys.executable, "-m", "bpcalc"]


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin)


def gradient(*args: str) -> dict:
    r = run(*args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


@pytest.mark.parametrize("fmt", ["plain", "table", "tree"])
@pytest.mark.parametrize("expr", ["3", "k = 3"])
def test_constant_programs_render_in_paths_mode(fmt, expr):
    for extra in ([], ["--steps"]):
        r = run("grad", "--format", fmt, "--mode", "paths", *extra, "--", expr)
        assert r.exit_code == 0, r.output


def test_deeply_nested_json_is_bad_input_and_the_batch_goes_on(tmp_path):
    deep = '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    point = tmp_path / "p.json"
    point.write_text(deep)
    r = run("grad", "x", "--point", str(point))
    assert r.exit_code == 2 and "nested too deeply" in r.output
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"x": 1}\n' + deep + '\n{"x": 2}\n')
    r = run("grad", "x*x", "--batch", str(batch))
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.exit_code == 1
    assert lines[0]["gradient"] == {"x": 2} and lines[2]["gradient"] == {"x": 4}
    assert "nested too deeply" in lines[1]["error"]


def _sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


@pytest.mark.parametrize("x", [-745.0, -200.0, -40.0, -36.0, -20.0, -1.0, 0.0, 0.5, 19.0,
                               20.0, 36.0, 40.0, 200.0, 700.0])
@pytest.mark.parametrize(("op", "df"), [  # the derivatives in closed form, at 60 digits
    ("sigmoid", lambda t: mpmath.exp(-t) / (1 + mpmath.exp(-t)) ** 2),
    ("tanh", lambda t: 1 / mpmath.cosh(t) ** 2),
    ("softplus", _sigmoid),
])
def test_tails_of_sigmoid_tanh_softplus_keep_their_digits(op, df, x):
    got = gradient("grad", f"{op}(x)", f"x={x!r}")["gradient"]["x"]
    mpmath.mp.dps = 60
    want = float(df(mpmath.mpf(x)))
    assert got == pytest.approx(want, rel=1e-13, abs=1e-300), (op, x, got, want)


@pytest.mark.parametrize(("op", "f", "x"), [("sigmoid", lambda t: 1 / (1 + mpmath.exp(-t)), 40.0),
                                            ("tanh", mpmath.tanh, 20.0)])
def test_second_derivatives_in_the_tails(op, f, x):
    mpmath.mp.dps = 50
    want = float(mpmath.diff(f, mpmath.mpf(x), 2))
    got = gradient("hessian", f"{op}(x)", f"x={x!r}")["hessian"]["x"]["x"]
    assert got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize(("expr", "value"), [("log10(x)", 3), ("log2(x)", 10)])
def test_log10_and_log2_are_exact_at_powers(expr, value):
    x = 1000 if "10" in expr else 1024
    assert gradient("grad", expr, f"x={x}")["value"] == value


@pytest.mark.parametrize(("args", "wrt", "want"), [
    (["x**n", "x=-2", "n=2"], "x", {"x": -4}),
    (["y*sqrt(x) + x", "x=0", "y=0"], "y", {"y": 0}),
    (["0*sqrt(x) + x", "x=0"], None, {"x": 1}),
    (["x**y", "x=0", "y=0"], "x", {"x": 0}),
])
@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_derivatives_nobody_asked_for_do_not_abort(args, wrt, want, mode):
    extra = ["--wrt", wrt] if wrt else []
    data = gradient("grad", *args, *extra, "--mode", mode)
    assert data["gradient"] == want


def test_what_is_undefined_off_the_asked_paths_is_null_not_zero():
    data = gradient("grad", "x**n", "x=-2", "n=2", "--wrt", "x")
    assert {n["id"]: n["adjoint"]["v₁"] for n in data["nodes"]} == {"v₁": 1, "x": -4, "n": None}
    assert [e["value"] for e in data["edges"]] == [-4, None]
    tree = CliRunner().invoke(cli, ["grad", "x**n", "x=-2", "n=2", "--wrt", "x", "--format",
                                    "tree"]).output
    assert "total ∂v₁/∂n = undefined" in tree


def test_a_needed_undefined_derivative_is_still_the_math_error():
    for mode in ("reverse", "forward", "paths"):
        r = run("grad", "sqrt(x)", "x=0", "--mode", mode)
        assert r.exit_code == 1 and "its derivative with respect to x is infinite here: " \
            "∂v₁/∂x = 1/(2*sqrt(x)) = 1/(2*sqrt(0)) = ∞" in r.output
    r = run("grad", "x**n", "x=-2", "n=2")  # n asked for now
    assert r.exit_code == 1 and "with respect to n is undefined" in r.output


def test_hessian_and_directions_take_derivatives_only_where_asked():
    assert gradient("hessian", "x**n", "x=-2", "n=2", "--wrt", "x")["hessian"] == \
        {"x": {"x": 2}}
    assert gradient("hessian", "y*sqrt(x) + x", "x=0", "y=0", "--wrt", "y")["hessian"] == \
        {"y": {"y": 0}}
    assert gradient("grad", "x**n", "x=-2", "n=2", "--direction", "x=1")["directional"] == \
        {"v₁": -4}
    assert gradient("grad", "x**n", "x=-2", "n=2", "--cotangent", "v₁=1",
                    "--wrt", "x")["vjp"] == {"x": -4}


def test_a_failing_constant_fails_every_point_of_a_batch():
    r = run("grad", "z + log(0)", "--batch", "-", stdin='{"z": 1}\n\n{"z": 2}\n')
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.exit_code == 1 and [x["line"] for x in lines] == [1, 3]
    assert all("math error in the constant log(0)" in x["error"] for x in lines)


def test_point_and_batch_cannot_both_read_stdin():
    r = run("grad", "(a+b)*(b+1)", "--point", "-", "--batch", "-", stdin='{"a": 2, "b": 1}\n')
    assert r.exit_code == 2 and "cannot both come from stdin" in r.output


def test_a_batch_into_head_exits_0(tmp_path):
    points = tmp_path / "p.jsonl"
    points.write_text('{"a": 2, "b": 1}\n' * 20_000)
    proc = subprocess.Popen([*BPCALC, "grad", "(a+b)*(b+1)", "--batch", str(points)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0 and json.loads(first)["value"] == 6
    assert proc.stderr is not None and proc.stderr.read() == b""


def test_ctrl_c_exits_130(tmp_path):
    prog = tmp_path / "big.txt"
    prog.write_text("loss = 0\n" + "".join(f"loss += (w{i}*x{i} - 1)^2\n" for i in range(60_000)))
    point = tmp_path / "p.json"
    point.write_text(json.dumps({f"{n}{i}": 0.5 for i in range(60_000) for n in "wx"}))
    proc = subprocess.Popen([*BPCALC, "grad", "-f", str(prog), "--point", str(point),
                             "--mode", "forward", "--fields", "value"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    if proc.poll() is not None:
        pytest.skip("the program finished before the signal could interrupt it")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"Aborted" not in err and b"Traceback" not in err


def test_byte_order_marks_are_read_and_other_encodings_named(tmp_path):
    prog = tmp_path / "bom.txt"
    prog.write_bytes(b"\xef\xbb\xbfc = a + b\ne = c*c\n")
    assert gradient("grad", "-f", str(prog), "a=1", "b=2")["gradient"] == {"a": 6, "b": 6}
    point = tmp_path / "p.json"
    point.write_bytes(b'\xef\xbb\xbf{"x": 2}')
    assert gradient("grad", "x*x", "--point", str(point))["value"] == 4
    r = CliRunner().invoke(cli, ["grad", "-", "x=3", "--json"], input=b"\xef\xbb\xbfx*x")
    assert r.exit_code == 0 and json.loads(r.output)["value"] == 9
    u16 = tmp_path / "u16.txt"
    u16.write_text("x*x\n", encoding="utf-16")
    r = run("grad", "-f", str(u16), "x=1")
    assert r.exit_code == 2 and "UTF-16" in r.output and "codec" not in r.output
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"x*\xe9")
    r = run("grad", "-f", str(latin), "x=1")
    assert r.exit_code == 2 and "not UTF-8 text (byte 0xe9 at offset 2" in r.output
    assert Path(latin).exists()


# --- wide accumulation (wide.py): modes agree, nothing overflows or underflows halfway ---


MODES = ("reverse", "forward", "paths")


def all_modes(*args: str) -> list[dict]:
    return [gradient("grad", *args, "--mode", m) for m in MODES]


@pytest.mark.parametrize("args, wrt, want", [
    (("a*(b*(x*1e-300))", "a=1e200", "b=1e200", "x=1"), "x", 1e100),  # reverse overflowed
    (("((x*a)*b)*c", "x=1e-300", "a=1e200", "b=1e200", "c=1e-300", "--wrt", "x"), "x",
     1e100),  # forward and paths overflowed
])
def test_an_intermediate_product_out_of_range_is_no_error(args, wrt, want):
    for d in all_modes(*args):
        assert d["gradient"][wrt] == pytest.approx(want, rel=1e-15)


def test_a_partial_that_underflows_meets_its_large_adjoint():
    # y*x^(y-1) = -1e-331 is below the smallest double; times the adjoint 1e300 it is
    # -1e-31. The reference: the same formula at 50 digits from the doubles given.
    mpmath.mp.dps = 50
    x, y = mpmath.mpf(1e300), mpmath.mpf(-0.1)
    want = float(mpmath.mpf(1e300) * y * x ** (y - 1))
    for d in all_modes("pow(x,-0.1)*1e300", "x=1e300"):
        assert d["gradient"]["x"] == pytest.approx(want, rel=1e-14)
        assert d["warnings"] == []


def test_cancellation_gives_one_answer_in_every_mode():
    # ((4 + x) - (x - pi))*3 is 24 in doubles at 1e16, and its derivative is exactly
    # 3*(1 - 1) = 0: the gradient of x/24 is 1/24, in every mode (doubles gave 0.0390625).
    got = [d["gradient"]["x"] for d in all_modes("x/(((4+x)-(x-pi))*3)", "x=1e16")]
    assert got == [1 / 24] * 3


def test_modes_agree_to_the_last_digit():
    # in doubles the three modes give 2.1587737816538963 and ...954 here
    program = "x = x0\n" + "x = sin(x)*a + b\n" * 100
    got = [d["jacobian"] for d in all_modes(program, "x0=0.5", "a=0.9", "b=0.1")]
    assert got[0] == got[1] == got[2]


def test_a_gradient_entry_that_underflows_is_a_warning():
    d = gradient("grad", "x*1e-200*1e-200", "x=1")
    assert d["gradient"]["x"] == 0
    assert any("below the smallest normal double" in w and "1.0e-400" in w
               for w in d["warnings"])
    r = run("grad", "x*1e-200*1e-110", "x=1")  # subnormal: fewer digits, said so
    assert r.exit_code == 0 and "subnormal" in r.output


def test_a_gradient_entry_beyond_a_double_is_the_math_error():
    r = run("grad", "1e300*sqrt(x)", "x=1e-20", "--json")  # value 1e290, slope 5e309
    assert r.exit_code == 1
    assert "dout/dx" not in r.output and "5.0e+309" in r.output and "beyond" in r.output


def test_an_adjoint_beyond_a_double_is_shown_so_and_null_in_json():
    args = ("grad", "a*(b*(x*1e-300))", "a=1e200", "b=1e200", "x=1")
    d = gradient(*args)
    c = next(n for n in d["nodes"] if n["id"] == "v₁")
    assert c["adjoint"] == {"v₃": None}
    assert any("adjoint of node v₁" in w and "1.0e+400" in w for w in d["warnings"])
    r = run(*args, "--format", "plain")
    assert "1e+200·1e+200 = beyond a double" in r.output


def test_batch_lines_look_again_where_an_entry_underflows(tmp_path):
    points = tmp_path / "p.jsonl"
    points.write_text('{"x": 1}\n{"x": 2}\n')
    r = run("grad", "x*1e-200*1e-200 + 0*y", "y=1", "--batch", str(points))
    lines = [json.loads(line) for line in r.output.splitlines()]
    assert [line["gradient"]["x"] for line in lines] == [0, 0]
    assert all("below the smallest normal double" in line["warnings"][0] for line in lines)


# --- diagnoses that name the cause ---------------------------------------------------


def test_a_needed_undefined_derivative_names_its_arithmetic_and_path():
    r = run("grad", "y*sqrt(x) + x", "x=0", "y=3")
    assert r.exit_code == 1
    assert ("math error at node v₁ = sqrt(x): its derivative with respect to x is infinite "
            "here: ∂v₁/∂x = 1/(2*sqrt(x)) = 1/(2*sqrt(0)) = ∞, where x = 0; it is needed, "
            "since ∂v₃/∂v₁ = 3 on the path x → v₁ → v₂ → v₃") in r.output
    r = run("grad", "x^y", "x=0", "y=0", "--wrt", "y")
    assert "∂v₁/∂y = x^y*log(x) = 0^0*log(0) is undefined" in r.output


def test_a_failing_value_names_its_arithmetic_and_the_way_to_the_output():
    r = run("grad", "z = log(x - 2); w = z*3; w + 1", "x=1")
    assert r.exit_code == 1
    assert ("log is undefined here: it needs v₁ > 0, where v₁ = x - 2 = -1 (log(-1) is "
            "undefined); z reaches the output v₂ along z → w → v₂") in r.output
    r = run("grad", "u = x*1e200; u*1e200 + 1", "x=1")
    assert "(1e+200 * 1e+200 = ∞)" in r.output


def test_a_long_path_is_cut_in_the_middle():
    program = "y = sqrt(x)\n" + "y = y*2\n" * 20
    r = run("grad", program, "x=0")
    assert "on the path x → y.1 → y.2 → … → y.20 → y (22 nodes)" in r.output


@pytest.mark.parametrize("expr, point, said", [
    ("relu(x)", "x=0", "relu' is 0 from the left and 1 from the right; bpcalc uses 0, as "
     "PyTorch and JAX do"),
    ("abs(x)", "x=0", "abs' is -1 from the left and 1 from the right; bpcalc uses 0 "
     "(sign(0)), as PyTorch does; JAX uses 1"),
    ("max(x, 1)", "x=1", "max's derivative is 1 in the larger operand and 0 in the other; "
     "bpcalc gives each 0.5, as PyTorch and JAX do"),
])
def test_a_kink_says_both_sides_the_convention_and_the_peers(expr, point, said):
    d = gradient("grad", expr, point)
    assert any(said in w for w in d["warnings"]), d["warnings"]


def test_a_subnormal_second_partial_keeps_its_digits_in_the_hessian():
    # d²/dx² of (w*1e200)^z is z(z-1)x^(z-2) ~ 1e-339, subnormal: 5 digits were lost
    mpmath.mp.dps = 50
    f = lambda w, z: ((w * mpmath.mpf(1e200)) ** z) ** w  # noqa: E731
    w, z = mpmath.mpf(1.771), mpmath.mpf(0.308)
    r = run("hessian", "((w*1e200)^z)^w", "w=1.771", "z=0.308", "--json")
    h = json.loads(r.output)["hessian"]
    for (a, b), (i, j) in {("w", "w"): (2, 0), ("w", "z"): (1, 1), ("z", "z"): (0, 2)}.items():
        assert h[a][b] == pytest.approx(float(mpmath.diff(f, (w, z), (i, j))), rel=1e-13)


def test_a_hessian_entry_that_underflows_is_a_warning():
    r = run("hessian", "x*y*1e-200*1e-200", "x=1", "y=1", "--json")
    d = json.loads(r.output)
    assert d["hessian"]["x"]["y"] == 0
    assert any("second derivative with respect to x and y is about 1.0e-400" in w
               for w in d["warnings"])


def test_directions_carry_wide_numbers_too():
    d = gradient("grad", "a*(b*(x*1e-300))", "a=1e200", "b=1e200", "x=1",
                 "--direction", "x=1,a=0,b=0")
    assert d["directional"]["v₃"] == pytest.approx(1e100, rel=1e-15)
    d = gradient("grad", "x/(((4+x)-(x-pi))*3)", "x=1e16", "--cotangent", "v₅=1")
    assert d["vjp"]["x"] == 1 / 24


def _big(head: list[str]) -> str:
    """`head`, then 40,000 terms: past what is carried again in wide numbers."""
    return "\n".join(head + [f"L += sin(a*{k % 97 + 1})" for k in range(40000)]) + "\n"


def test_a_zero_made_by_a_zero_weight_is_exact_whatever_underflowed_elsewhere():
    # dL/dq is 0 through relu's zero weight; 1e-310 (subnormal) lies on another path only
    program = _big(["t = 1e-310*a", "v = t*1e300", "u = relu(-1 - q*q)", "L = v + u"])
    d = json.loads(run("grad", "-", "a=0.5", "q=0.3", "--fields", "gradient,warnings",
                       stdin=program).output)
    assert d["gradient"]["q"] == 0 and d["warnings"] == []


def test_a_zero_that_an_underflow_made_on_a_big_graph_is_said_to_be_unsure():
    # 1e-200·1e-200 is 0 in doubles though every weight on the way is not
    program = _big(["x1 = 1e-200*q", "x2 = x1*1e-200", "L = x2 + a"])
    d = json.loads(run("grad", "-", "a=0.5", "q=0.3", "--fields", "gradient,warnings",
                       stdin=program).output)
    assert d["gradient"]["q"] == 0
    assert d["warnings"] and d["warnings"][0].startswith("dL/dq came out 0 or subnormal")
