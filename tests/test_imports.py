"""Start-up stays lean: the JSON path and --help never import sympy or rich."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys
    sys.argv = ["bpcalc", *json.loads(sys.argv[1])]
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        from bpcalc.cli import main
        try:
            main()
        except SystemExit as exc:
            code = exc.code or 0
    heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sympy", "rich"})
    print(json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue(),
                      "heavy": heavy}))
    """
)


def run_main(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(args)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths"])
def test_json_path_imports_neither_sympy_nor_rich(mode):
    r = run_main(["grad", "(a+b)*(b+1)", "a=2", "b=1", "--format", "json", "--mode", mode])
    assert r["code"] == 0, r["stderr"]
    assert json.loads(r["stdout"])["gradient"] == {"a": 2, "b": 5}
    assert r["heavy"] == []


def test_auto_format_in_a_pipe_imports_neither():
    r = run_main(["grad", "(a+b)*(b+1)", "a=2", "b=1"])
    assert r["code"] == 0, r["stderr"]
    assert json.loads(r["stdout"])["gradient"] == {"a": 2, "b": 5}
    assert r["heavy"] == []


@pytest.mark.parametrize("args", [["--help"], ["grad", "--help"], ["--version"]])
def test_help_imports_neither(args):
    r = run_main(args)
    assert r["code"] == 0, r["stderr"]
    assert r["stdout"].strip()
    assert r["heavy"] == []


def test_errors_import_neither():
    r = run_main(["grad", "sinn(x)", "x=1"])
    assert r["code"] == 2
    assert "sinn" in r["stderr"]
    assert r["heavy"] == []


@pytest.mark.parametrize("use", ["pass", "bpcalc.grad; bpcalc.InputError; bpcalc.Grad"])
def test_importing_the_api_imports_neither_nor_click(use):
    """`import bpcalc` (the Python API) loads no SymPy, rich or click, nor does reaching
    its functions: each loads what it needs when called."""
    probe = (f"import sys, bpcalc; {use}; print(sorted({{m.split('.')[0] for m in "
             "sys.modules} & {'sympy', 'rich', 'click'}))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_a_gradient_from_python_imports_none():
    probe = ("import sys, bpcalc; r = bpcalc.grad('(a+b)*(b+1)', a=2, b=1); r.to_json(); "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'sympy', 'rich', 'click'}))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_the_check_can_see_a_heavy_import():
    """The probe itself works: importing rich shows up in the list."""
    proc = subprocess.run([sys.executable, "-c", "import rich, sys; print('rich' in sys.modules)"],
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "True"
