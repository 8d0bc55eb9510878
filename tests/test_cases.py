"""The reference cases (tests/cases/*.jsonl, truths from SymPy, never from bpcalc) in every mode.

Each case is run through the engine API in reverse, forward and paths mode, and a sample of
them (every seed case and every program) through the command line with --format json.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpcalc.cli import cli
from helpers import grad

CASES_DIR = Path(__file__).parent / "cases"
FILES = ("seed.jsonl", "programs.jsonl", "random.jsonl")
MODES = ("reverse", "forward", "paths")
RTOL = ATOL = 1e-9


def _load(name: str) -> list[dict]:
    with open(CASES_DIR / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


CASES = {name: _load(name) for name in FILES}
ALL_CASES = [c for name in FILES for c in CASES[name]]
CLI_CASES = CASES["seed.jsonl"] + CASES["programs.jsonl"] + CASES["random.jsonl"][::4]


def close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=RTOL, abs_tol=ATOL)


def expected(case: dict) -> tuple[list[str] | None, dict[str, float], dict[str, dict[str, float]]]:
    """(--output names or None, output values, jacobian) in one shape for both case kinds."""
    if "outputs" in case:
        return case["outputs"], case["values_out"], case["jacobian"]
    return None, {None: case["value"]}, {None: case["gradient"]}


def check_numbers(case: dict, outputs: list[str], values: dict, jacobian: dict) -> None:
    """Check the output values and every derivative against the case's truths."""
    want_outputs, want_values, want_jac = expected(case)
    if want_outputs is None:
        assert len(outputs) == 1, outputs
        key = outputs[0]
        want_values = {key: want_values[None]}
        want_jac = {key: want_jac[None]}
    else:
        assert list(outputs) == want_outputs
    assert list(values) == list(outputs)
    for out, v in want_values.items():
        assert close(values[out], v), (out, values[out], v)
    assert list(jacobian) == list(outputs)
    for out, row in want_jac.items():
        assert set(jacobian[out]) == set(row), (out, jacobian[out], row)
        for name, d in row.items():
            assert close(jacobian[out][name], d), (out, name, jacobian[out][name], d)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ALL_CASES, ids=[c["id"] for c in ALL_CASES])
def test_case_engine(case: dict, mode: str) -> None:
    outputs, _, _ = expected(case)
    result = grad(case["expr"], case["values"], mode=mode, outputs=outputs)
    check_numbers(case, list(result.outputs), result.values, result.jacobian)
    # The inputs are exactly the names given values, each with its value.
    assert set(result.inputs) == set(case["values"])
    d = result.to_dict()
    check_numbers(case, d["outputs"], d["values"], d["jacobian"])
    if len(result.outputs) == 1:
        out = result.outputs[0]
        assert close(d["value"], result.values[out])
        assert d["gradient"] == result.jacobian[out]
    else:
        assert "value" not in d and "gradient" not in d
    if mode == "paths":
        assert result.path_counts is not None
        assert list(result.path_counts) == list(result.outputs)
        if "path_count" in case:
            out = result.outputs[0]
            assert result.path_counts[out] == case["path_count"]
            assert d["path_count"] == case["path_count"]
            assert all(type(n) is int for n in d["path_count"].values())
        # Listed paths agree with the counts when nothing was cut.
        if not result.paths_truncated:
            for out, row in result.path_counts.items():
                for name, n in row.items():
                    listed = [p for p in result.paths if p.output == out and p.input == name]
                    assert len(listed) == n
    else:
        assert result.path_counts is None
        assert "path_count" not in d and "paths" not in d


def _cli_args(case: dict, mode: str) -> list[str]:
    pairs = [f"{k}={v}" for k, v in case["values"].items()]
    opts = ["--format", "json", "--mode", mode]
    if "outputs" in case:
        opts += ["--output", ",".join(case["outputs"])]
    if case["expr"].startswith("-"):
        return ["grad", *opts, "--", case["expr"], *pairs]
    return ["grad", case["expr"], *pairs, *opts]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CLI_CASES, ids=[c["id"] for c in CLI_CASES])
def test_case_cli(case: dict, mode: str) -> None:
    result = CliRunner().invoke(cli, _cli_args(case, mode))
    assert result.exit_code == 0, (result.output, result.exception)
    data = json.loads(result.stdout)
    assert data["schema"] == "bpcalc/grad"
    assert data["version"] == 2
    assert data["mode"] == mode
    assert data["expression"] == case["expr"]
    assert set(data["inputs"]) == set(case["values"])
    check_numbers(case, data["outputs"], data["values"], data["jacobian"])
    if "outputs" in case:
        assert "value" not in data and "gradient" not in data
    else:
        assert close(data["value"], case["value"])
        for name, d in case["gradient"].items():
            assert close(data["gradient"][name], d)
    if mode == "paths" and "path_count" in case:
        assert data["path_count"] == case["path_count"]
        out = data["outputs"][0]
        assert data["path_counts"] == {out: case["path_count"]}


def test_every_case_file_loaded() -> None:
    # The case files are not empty and ids are unique (parametrize ids stay meaningful).
    assert all(CASES[name] for name in FILES)
    ids = [c["id"] for c in ALL_CASES]
    assert len(ids) == len(set(ids))
