"""bpcalc hessian: all second derivatives at a point."""

from __future__ import annotations

import click

from .common import ExprCommand, Source, View, request, source_options, view_options


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Only these inputs' rows and columns.")
@view_options(("auto", "table", "plain", "json"),
              "auto: a table on a terminal, JSON in a pipe or file.", pictures=True)
def hessian(source: Source, view: View, wrt: str | None) -> None:
    """The Hessian of EXPR at the point NAME=VALUE ...: all second derivatives.

    Computed on bpcalc's own graph by forward-over-reverse: for each input, one
    forward pass carries tangents through the reverse sweep, which gives one
    column of the Hessian. One output only (--output names it in a program).

    \b
    Examples:
      bpcalc hessian "(a+b)*(b+1)" a=2 b=1
      bpcalc hessian "x*x*y + sin(y)" x=1 y=pi/2 --json | jq .hessian
      bpcalc hessian -f model.txt w=0.5 b=-1 --wrt w --output loss
    """
    view = view.chosen()
    from .. import api
    from .show import show

    show(api.run_hessian(request(source, wrt=wrt)), view)
