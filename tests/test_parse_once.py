"""Each command reads its program text once: the parser tokenizes it once (a short program),
or the shape reader reads it once (a long one), and no later stage (check, exact,
symbolic, batch, hessian, directional) goes back to the text.

SymPy's jobs run inline here (not in a forked worker), so that whatever they parse is
counted too.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import bpcalc.graphs.reader as reader
import bpcalc.text.parser as parser
from bpcalc.cli import cli
from bpcalc.symbolic import budget

SHORT = "c = a + b\nd = b + 1\ne = c * d\n"
LONG = "y = x\n" + "y = y*a + b\n" * 300  # a run, read in columns; easy for SymPy
FAMILY = "y[i] = x[i]*a\ns = sum(y[i] + b for i)\n"


@pytest.fixture()
def counts(monkeypatch):
    """How often the program's own text is read by the reader, and tokenized by the parser
    (which reads what the reader leaves to it: programs with families)."""
    seen = {"tokenize": [], "read": []}
    tokenize, read = parser.tokenize, reader.read

    def counting_tokenize(source):
        seen["tokenize"].append(source)
        return tokenize(source)

    def counting_read(source, *args, **kw):
        seen["read"].append(source)
        return read(source, *args, **kw)

    monkeypatch.setattr(parser, "tokenize", counting_tokenize)
    monkeypatch.setattr(reader, "read", counting_read)
    monkeypatch.setattr(budget, "_Forked", lambda job, seconds: budget._Inline(job))
    return seen


COMMANDS = [
    ["grad", "PROGRAM", "a=2", "b=1", "--check", "--exact", "--json"],
    ["grad", "PROGRAM", "a=2", "b=1", "--mode", "symbolic", "--json"],
    ["grad", "PROGRAM", "a=2", "b=1", "--mode", "paths", "--format", "plain"],
    ["grad", "PROGRAM", "--batch", "-"],
    ["grad", "PROGRAM", "a=2", "b=1", "--direction", "a=1", "--json"],
    ["hessian", "PROGRAM", "a=2", "b=1", "--json"],
    ["diff", "PROGRAM", "--json"],
    ["graph", "PROGRAM", "--format", "dot"],
    ["cost", "PROGRAM", "--json"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:1] + a[3:5]))
def test_a_short_program_is_parsed_once(counts, argv):
    args = [SHORT if a == "PROGRAM" else a for a in argv]
    result = CliRunner().invoke(cli, args, input='{"a": 2, "b": 1}\n{"a": 3, "b": 0}\n')
    assert result.exit_code == 0, result.output
    assert counts["read"] == [SHORT]
    assert SHORT not in counts["tokenize"]  # the reader's own pass, never the parser's


FAMILY_COMMANDS = [
    ["grad", FAMILY, "x=[2,1]", "a=2", "b=1", "--check", "--exact", "--json"],
    ["grad", FAMILY, "x=[2,1]", "a=2", "b=1", "--mode", "paths", "--format", "plain"],
    ["grad", FAMILY, "--batch", "-"],
    ["grad", FAMILY, "x=[2,1]", "a=2", "b=1", "--direction", "x=[1,0]", "--json"],
    ["hessian", FAMILY, "x=[2,1]", "a=2", "b=1", "--json"],
    ["diff", FAMILY, "x=[2,1]", "a=2", "b=1", "--json"],
    ["graph", FAMILY, "x=[2,1]", "a=2", "b=1", "--format", "dot"],
    ["cost", FAMILY, "x=[2,1]", "a=2", "b=1", "--json"],
]


@pytest.mark.parametrize("argv", FAMILY_COMMANDS, ids=lambda a: " ".join(a[:1] + a[5:7]))
def test_a_program_with_families_is_parsed_once(counts, argv):
    result = CliRunner().invoke(cli, argv, input='{"x": [2, 1], "a": 2, "b": 1}\n')
    assert result.exit_code == 0, result.output
    assert counts["read"] == [FAMILY]
    assert counts["tokenize"].count(FAMILY) == 1


def test_a_vjp_by_program_names_builds_twice_from_one_read(counts):
    prog = "f = x*y\ng = x + y\n"
    result = CliRunner().invoke(cli, ["grad", prog, "x=1", "y=2", "--cotangent", "f=1,g=2",
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert counts["read"] == [prog]


@pytest.mark.parametrize("argv", [
    ["grad", LONG, "x=0.5", "a=0.9", "b=0.1", "--check", "--exact", "--json"],
    ["grad", LONG, "x=0.5", "--batch", "-"],
    ["hessian", LONG, "x=0.5", "a=0.9", "b=0.1", "--json"],
], ids=["check-exact", "batch", "hessian"])
def test_a_long_program_is_read_once_in_columns(counts, argv):
    result = CliRunner().invoke(cli, argv, input='{"a": 0.9, "b": 0.1}\n')
    assert result.exit_code == 0, result.output
    assert counts["read"] == [LONG]
    assert LONG not in counts["tokenize"]  # never by the parser
