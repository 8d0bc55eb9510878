"""bpcalc cost: what each mode costs on a graph, paths counted exactly."""

from __future__ import annotations

import click

from .common import (
    ExprCommand,
    analyse,
    choose_format,
    names,
    print_json,
    print_rich,
    source_options,
    view_options,
)


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Count only these inputs.")
@view_options(("auto", "table", "json"),
              "auto: a table on a terminal, JSON in a pipe or file.", digits=False)
def cost(args: tuple[str, ...], file: str | None, outputs: str | None, wrt: str | None,
         fmt: str, as_json: bool, color: str, shot_svg: str | None, shot_html: str | None) -> None:
    """Why backpropagation wins: what each mode costs on the graph of EXPR.

    Compares forward mode (one pass per input), reverse mode (one pass per
    output) and summing over every path (counted exactly, never listed):
    passes and edge operations, where an edge operation is one use of an
    edge's local derivative. Values are optional and change nothing here.

    \b
    Examples:
      bpcalc cost "(a+b)*(b+1)"
      bpcalc cost 'r = sqrt(x*x + y*y); phi = atan(y/x)' --output r,phi
      bpcalc cost 'y = x; y = y*y + y; y = y*y + y; y = y*y + y' --json
      python3 -c 'print("+".join(f"w{i}*x{i}" for i in range(1000)))' | bpcalc cost -
    """
    fmt = choose_format(fmt, as_json, shot_svg, shot_html)
    result = analyse(args, file, outputs, need_values=False, wrt=names(wrt, "--wrt"),
                      with_cost=True)
    assert result.cost is not None
    if fmt == "json":
        print_json(result.cost.document(result.expression))
    from ..render import rich_view

    if fmt != "json" or shot_svg or shot_html:
        print_rich(rich_view.cost_view(result.expression, result.outputs, result.cost), color,
                   shot_svg, shot_html, echo=fmt != "json")
