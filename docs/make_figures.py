"""The README's figures: the article's pictures, drawn by bpcalc's own commands.

    .venv/bin/python docs/make_figures.py      # rewrites docs/figures/*.svg

tests/test_pictures.py checks that the committed files are what these commands draw.
"""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from bpcalc.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIGURES = {  # file under docs/figures: the command that draws it (run from the repository)
    "seed-graph.svg": 'graph "c = a + b; d = b + 1; e = c * d" a=2 b=1',
    "seed-paths.svg": 'grad "c = a + b; d = b + 1; e = c * d" a=2 b=1 --mode paths --wrt b',
    "seed-forward.svg": 'grad "c = a + b; d = b + 1; e = c * d" a=2 b=1 --mode forward --wrt b',
    "seed-reverse.svg": 'grad "c = a + b; d = b + 1; e = c * d" a=2 b=1',
    "net-reverse.svg": "grad -f examples/net.txt --point examples/net.json",
    "moons-layers.svg": "grad -f examples/moons.txt 'x=[0.5,-0.3]' y=1 "
                        "'W1[16,2]=uniform(-1,1)' b1=0 'W2[16,16]=uniform(-1,1)' b2=0 "
                        "'w3=uniform(-1,1)' b3=0 --output loss",
}


def draw(command: str) -> str:
    """What `bpcalc COMMAND --svg FILE` writes, run from the repository's root."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figure.svg"
        args = [*shlex.split(command), "--json", "--svg", str(out)]
        here = Path.cwd()
        try:
            import os

            os.chdir(ROOT)
            result = CliRunner().invoke(cli, args)
        finally:
            os.chdir(here)
        if result.exit_code:
            raise SystemExit(f"bpcalc {command}: {result.output}")
        return out.read_text(encoding="utf-8")


def main() -> None:
    for name, command in FIGURES.items():
        (ROOT / "docs" / "figures" / name).write_text(draw(command), encoding="utf-8")
        print(f"docs/figures/{name}: bpcalc {command} --svg ...", file=sys.stderr)


if __name__ == "__main__":
    main()
