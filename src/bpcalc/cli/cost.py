"""bpcalc cost: what each mode costs on a graph, paths counted exactly."""

from __future__ import annotations

import click

from .common import ExprCommand, Source, View, request, source_options, view_options


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Count only these inputs.")
@view_options(("auto", "table", "json"),
              "auto: a table on a terminal, JSON in a pipe or file.", digits=False)
def cost(source: Source, view: View, wrt: str | None) -> None:
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
    view = view.chosen()
    from .. import api
    from .show import show

    show(api.run_graph(request(source, wrt=wrt), with_cost=True).cost, view)
