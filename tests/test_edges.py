"""Numbers at the edges, the rest (issue 28): batches and big graphs must not drop a
derivative. Each case of the issue, and the variants found on the way, in every mode,
single point and batch (compiled, and through the engine alone), against the derivative
at 60 digits of the function the program computes at those doubles."""

from __future__ import annotations

import io
import json
import math

import mpmath
import pytest
from click.testing import CliRunner

from bpcalc.cli import cli
from helpers import MODES, grad, hessian_result, run_batch

mpmath.mp.dps = 60
M = mpmath.mpf  # a double, exactly


def ulps(got: float, want: float) -> float:
    """How many ulps of `want` apart the two are."""
    return abs(got - want) / math.ulp(abs(want)) if want else abs(got) / 5e-324


def batch_line(source: str, point: dict, mode: str, compiled: bool, **kw) -> dict:
    out = io.StringIO()
    run_batch(source, [json.dumps(point)], mode=mode, out=out, compiled=compiled, **kw)
    (line,) = out.getvalue().splitlines()
    return json.loads(line)


def every_way(source: str, point: dict, wrt: list[str] | None = None) -> list[tuple[str, dict]]:
    """The gradient (and value) in every mode, single point and batch, compiled and not."""
    got = []
    for mode in MODES:
        r = grad(source, point, mode, wrt=wrt)
        (o,) = r.outputs
        got.append((f"{mode} single", {"value": r.values[o], "gradient": r.jacobian[o]}))
        for compiled in (True, False):
            line = batch_line(source, point, mode, compiled, wrt=wrt)
            assert "error" not in line, line
            got.append((f"{mode} batch{'' if compiled else ' (engine)'}", line))
    return got


def _1e300() -> mpmath.mpf:
    return M(1e300)


# program, point, {input: its derivative at 60 digits}
CASES = {
    "x/y at 1e200": ("x/y", {"x": 1e200, "y": 1e200},
                     lambda x, y: {"x": 1 / y, "y": -x / y**2}),
    "(x/y)*1e300 + y": ("(x/y)*1e300 + y", {"x": 1e200, "y": 1e200},
                        lambda x, y: {"x": _1e300() / y, "y": 1 - _1e300() * x / y**2}),
    "1/(1/x) at 1e-300": ("1/(1/x)", {"x": 1e-300}, lambda x: {"x": M(1)}),
    "(t*1e300)^(-0.1)": ("(t*1e300)^(-0.1)", {"t": 1.0},
                         lambda t: {"t": M(-0.1) * (t * _1e300()) ** (M(-0.1) - 1) * _1e300()}),
    # the variants: a partial that leaves the doubles although the gradient does not
    "atan at 1e200": ("atan(x)*1e300", {"x": 1e200}, lambda x: {"x": _1e300() / (1 + x * x)}),
    "exp at -800": ("exp(x)*1e300", {"x": -800.0}, lambda x: {"x": _1e300() * mpmath.exp(x)}),
    "pow overflowing on the way": ("x^1e-10", {"x": 1e-310},
                                   lambda x: {"x": M(1e-10) * x ** (M(1e-10) - 1)}),
    "pow whose value underflowed": ("x^1100*1e300", {"x": 0.5},
                                    lambda x: {"x": _1e300() * 1100 * x**1099}),
    "log10 of a subnormal": ("log10(x)", {"x": 2.5e-309},
                             lambda x: {"x": 1 / (x * mpmath.log(10))}),
    "sigmoid at 800": ("sigmoid(x)*1e300", {"x": 800.0},
                       lambda x: {"x": _1e300() * mpmath.exp(-x) / (1 + mpmath.exp(-x)) ** 2}),
    "tanh at 400": ("tanh(x)*1e200", {"x": 400.0},
                    lambda x: {"x": M(1e200) / mpmath.cosh(x) ** 2}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_partial_beyond_a_double_is_carried_in_every_mode_and_batch(case):
    source, point, derivative = CASES[case]
    want = derivative(*map(M, point.values()))
    for how, line in every_way(source, point):  # each partial within 2 roundings or so
        for name, d in line["gradient"].items():
            assert ulps(d, float(want[name])) <= 2, (how, name, d, float(want[name]))


def test_a_long_program_past_the_wide_passes_keeps_its_derivative():
    """12,001 statements: past WIDE_WORK, so the passes run in doubles; 1/(1/x)'s two
    partials (-1e600 and -1e-600) are carried as wide numbers on their edges."""
    source = "\n".join(["s = 1/(1/x)", *(f"s = s + {k}*t" for k in range(1, 12_001))])
    for how, line in every_way(source, {"x": 1e-300, "t": 1.0}):
        assert ulps(line["gradient"]["x"], 1.0) <= 4, how
        assert line["gradient"]["t"] == 12_000 * 12_001 / 2, how


def test_a_value_that_overflows_on_the_way_is_carried():
    """c*(b*(a*x)): b*(a*x) is 2e500, the output 2e200 and its derivative by x 1e200."""
    a, b, c, x = 1e250, 1e250, 1e-300, 2.0
    for how, line in every_way("c*(b*(a*x))", {"a": a, "b": b, "c": c, "x": x}, ["x"]):
        assert ulps(line["value"], float(M(c) * (M(b) * M(a * x)))) <= 4, how
        assert ulps(line["gradient"]["x"], float(M(c) * M(b) * M(a))) <= 4, how
    r = grad("c*(b*(a*x))", {"a": a, "b": b, "c": c, "x": x}, wrt=["x"])
    assert any("about 2.0e+500, beyond a double" in w for w in r.warnings)


@pytest.mark.parametrize("mode", MODES)
def test_an_entry_or_value_beyond_a_double_is_still_an_error(mode):
    """df/dc is e = 2e500; an output beyond a double, or a row that cannot carry a wide
    value (sin), fails at the node that overflowed."""
    at = {"a": "1e250", "b": "1e250", "c": "1e-300", "x": "2"}
    for source, said in [("c*(b*(a*x))", "dv₃/dc is about 2.0e+500, beyond the largest double"),
                         ("b*(a*x)", "math error at node v₂ = b * v₁: mul overflows a double"),
                         ("c*sin(b*(a*x))", "math error at node v₂ = b * v₁: mul overflows")]:
        given = [f"{k}={v}" for k, v in at.items() if k in source]
        r = CliRunner().invoke(cli, ["grad", source, *given, "--mode", mode])
        assert r.exit_code == 1 and said in r.output, (source, r.output)


def test_a_hessian_does_not_carry_values_beyond_a_double():
    with pytest.raises(Exception, match="mul overflows a double"):
        hessian_result("c*(b*(a*x))", {"a": 1e250, "b": 1e250, "c": 1e-300, "x": 2.0})


def test_second_partials_take_no_step_out_of_the_doubles():
    """x/y at 1e150: 2x/y^3 as y*y*y overflowed to 0; as 2*((x/y)/y)/y it is 2e-300."""
    r = hessian_result("x/y", {"x": 1e150, "y": 1e150})
    assert ulps(r.hessian["y"]["y"], 2e-300) <= 4 and ulps(r.hessian["x"]["y"], -1e-300) <= 4


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("source", "point", "want"), [
    ("(x-x)*1e300*1e300", ["x=1"], {"x": 0}),
    ("sinh((y/y)*(y-z))", ["y=3", "z=709.78"],
     {"y": float(mpmath.cosh(M(3.0 - 709.78))), "z": -float(mpmath.cosh(M(3.0 - 709.78)))}),
])
def test_a_path_product_beyond_a_double_is_shown_not_fatal(mode, source, point, want):
    """Every mode exits 0 with the same gradient; paths mode lists the products beyond a
    double as null (JSON) and says so in a warning."""
    r = CliRunner().invoke(cli, ["grad", source, *point, "--mode", mode, "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["gradient"] == want
    if mode == "paths":
        assert None in [p["product"] for p in data["paths"]]
        assert any("beyond a double: not shown" in w for w in data["warnings"])
        screen = CliRunner().invoke(cli, ["grad", source, *point, "--mode", mode,
                                          "--format", "plain"])
        assert screen.exit_code == 0 and "beyond a double" in screen.output
    line = batch_line(source, {p.split("=")[0]: float(p.split("=")[1]) for p in point}, mode,
                      True)
    assert line["gradient"] == want


@pytest.mark.parametrize("program", ["acos(2)+x", "acos(0.5)+x"])
def test_the_batch_header_rule_holds_whatever_the_constants_do(program):
    """A junk first line of a CSV batch is bad input (exit 2) for a program whose constant
    fails as for one whose constant does not; so is an unknown NAME=VALUE."""
    r = CliRunner().invoke(cli, ["grad", "--batch", "-", "--", program], input="junk line\n1\n")
    assert r.exit_code == 2 and "'junk line' is not an input; the inputs are: x" in r.output
    r = CliRunner().invoke(cli, ["grad", "--batch", "-", "--", program, "q=1"],
                           input='{"x": 1}\n')
    assert r.exit_code == 2 and "'q' is not an input" in r.output
    r = CliRunner().invoke(cli, ["grad", "--batch", "-", "--", program, "x=1"], input="x\n1\n")
    assert r.exit_code == 2 and "x is given a value twice" in r.output
    r = CliRunner().invoke(cli, ["grad", "--batch", "-", "--", program], input="x\n1\n")
    assert r.exit_code == (1 if "acos(2)" in program else 0)
