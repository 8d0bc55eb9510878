"""bpcalc hessian: all second derivatives at a point."""

from __future__ import annotations

import click

from .common import (
    ExprCommand,
    choose_format,
    expand_option,
    load,
    names,
    print_json,
    print_rich,
    save_pictures,
    source_options,
    view_options,
    warn,
    write_text,
)


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Only these inputs' rows and columns.")
@view_options(("auto", "table", "plain", "json"),
              "auto: a table on a terminal, JSON in a pipe or file.", pictures=True)
def hessian(args: tuple[str, ...], file: str | None, outputs: str | None, wrt: str | None,
            fmt: str, as_json: bool, color: str, svg: str | None, html: str | None,
            shot_svg: str | None, shot_html: str | None) -> None:
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
    fmt = choose_format(fmt, as_json, shot_svg, shot_html)
    from .. import second

    program, values = load(args, file)
    h = second.hessian_result(program, values, wrt=names(wrt, "--wrt"),
                              output=names(outputs, "--output"))
    from ..render import second_view

    if svg or html:  # the function's graph, with its values; --svg with the Hessian beside
        from .. import analysis

        drawn = analysis.analyse(program.graph([h.output] if outputs else None), values, None)
        save_pictures(drawn, None, html, command="hessian")
        if svg:
            write_text(svg, second_view.svg(h, drawn, expand_option()))

    if fmt == "json":
        print_json(h.to_dict())
    else:
        warn(h.warnings)
    if fmt == "plain":
        click.echo("\n".join(second_view.hessian_lines(h)))
    elif fmt != "json" or shot_svg or shot_html:
        print_rich(second_view.hessian_view(h), color, shot_svg, shot_html, echo=fmt != "json")
