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


HEAD = re.compile(r"\s*\|\s*head -(\d+)$")  # `... | head -40`: the first 40 lines


def terminal_output(command: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """What `command` prints on an 80-column terminal without colour, run from the
    README's folder (its examples/ paths); `| head -N` keeps the first N lines. A
    command must succeed unless what it prints is an error."""
    monkeypatch.setattr(bpcalc.cli.common, "stdout_is_terminal", lambda: True)
    monkeypatch.chdir(README.parent)
    head = HEAD.search(command)
    args = shlex.split(HEAD.sub("", command))[1:]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
    if not result.output.startswith("Error: "):  # a block may show an error, exit 1 or 2
        assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    return "\n".join(lines[:int(head.group(1))] if head else lines).strip("\n")


def blocks() -> list[tuple[str, str]]:
    found = [(cmd, out.strip("\n")) for cmd, out in BLOCK.findall(README.read_text())]
    return [b for b in found if "|" not in HEAD.sub("", b[0])]  # other pipes need a shell


def test_readme_has_command_blocks():
    assert len(blocks()) >= 6


@pytest.mark.parametrize("command,expected", blocks(), ids=[c for c, _ in blocks()])
def test_readme_block_is_true(command, expected, monkeypatch):
    assert terminal_output(command, monkeypatch) == expected


def regenerate() -> int:
    """Write each block's real output into the README (`python tests/test_readme.py`);
    the number of blocks that changed."""
    text = README.read_text()
    changed = 0

    def fresh(m: re.Match) -> str:
        nonlocal changed
        command, old = m.group(1), m.group(2)
        if "|" in HEAD.sub("", command):
            return m.group(0)
        with pytest.MonkeyPatch.context() as mp:
            new = terminal_output(command, mp)
        changed += new != old.strip("\n")
        return f"```\n$ {command}\n{new}\n```"

    README.write_text(BLOCK.sub(fresh, text))
    return changed


if __name__ == "__main__":
    print(f"{regenerate()} blocks rewritten")
