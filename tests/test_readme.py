"""Every `$ bpcalc ...` block in the README shows what that command prints on an 80-column
terminal, so the README stays true. A block ends at its closing fence."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import bpcalc.cli.common
from bpcalc.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```\n\$ (bpcalc [^\n]*)\n(.*?)```", re.S)


def terminal_output(command: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """What `command` prints on an 80-column terminal without colour."""
    monkeypatch.setattr(bpcalc.cli.common, "stdout_is_terminal", lambda: True)
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return "\n".join(line.rstrip() for line in result.output.splitlines()).strip("\n")


def blocks() -> list[tuple[str, str]]:
    found = [(cmd, out.strip("\n")) for cmd, out in BLOCK.findall(README.read_text())]
    return [b for b in found if "|" not in b[0]]  # pipes need a shell; those are shown only


def test_readme_has_command_blocks():
    assert len(blocks()) >= 6


@pytest.mark.parametrize("command,expected", blocks(), ids=[c for c, _ in blocks()])
def test_readme_block_is_true(command, expected, monkeypatch):
    assert terminal_output(command, monkeypatch) == expected
