"""bpcalc hessian: all second derivatives at a point."""

from __future__ import annotations

import click

from .common import (
    ExprCommand,
    choose_format,
    load,
    names,
    print_json,
    print_rich,
    save_pictures,
    source_options,
    view_options,
    warn,
)


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Only these inputs' rows and columns.")
@click.option("--expand", metavar="NAME",
              help="A program with families is shown by blocks, one per pair of families; "
                   "this lists the entries of a family (W1), an element (W1[2,1]) or a "
                   "range (W1[1..3,2]).")
@view_options(("auto", "table", "plain", "json"),
              "auto: a table on a terminal, JSON in a pipe or file.", pictures=True)
def hessian(args: tuple[str, ...], file: str | None, outputs: str | None, wrt: str | None,
            expand: str | None, fmt: str, as_json: bool, color: str, svg: str | None,
            html: str | None, shot_svg: str | None, shot_html: str | None) -> None:
    """The Hessian of EXPR at the point NAME=VALUE ...: all second derivatives.

    Computed on bpcalc's own graph by forward-over-reverse: for each input, one
    forward pass carries tangents through the reverse sweep, which gives one
    column of the Hessian. One output only (--output names it in a program).

    \b
    Examples:
      bpcalc hessian "(a+b)*(b+1)" a=2 b=1
      bpcalc hessian "x*x*y + sin(y)" x=1 y=pi/2 --json | jq .hessian
      bpcalc hessian -f model.txt w=0.5 b=-1 --wrt w --output loss
      bpcalc hessian "L = sum(W[i,j]^2*x[j] for i, j)" W=[[1,2],[3,4]] x=[1,2] --expand W
    """
    fmt = choose_format(fmt, as_json, shot_svg, shot_html)
    from .. import second

    program, values = load(args, file)
    h = second.hessian_result(program, values, wrt=names(wrt, "--wrt"),
                              output=names(outputs, "--output"))
    if svg or html:  # the function's graph, with its values
        from .. import analysis

        save_pictures(analysis.analyse(program.graph([h.output] if outputs else None),
                                       values, None), svg, html, command="hessian")
    from ..render import second_view

    if fmt == "json":
        print_json(h.to_dict())
    else:
        warn(h.warnings)
    from ..render import hessian_blocks as blocks  # a program with families, by blocks

    ex = blocks.parse(expand, h)
    if fmt == "plain":
        click.echo("\n".join(blocks.lines(h, ex) if blocks.folded(h) else
                             second_view.hessian_lines(h)))
    elif fmt != "json" or shot_svg or shot_html:
        print_rich(blocks.view(h, ex) if blocks.folded(h) else second_view.hessian_view(h),
                   color, shot_svg, shot_html, echo=fmt != "json")
