"""Family programs drawn as layers."""

from __future__ import annotations

from ..results.grad import GradResult


def graph_svg(r: GradResult, wrt: str | None = None, command: str = "grad",
              expand: str | None = None) -> str:
    from . import svg

    return svg.svg(r, wrt, command=command)
