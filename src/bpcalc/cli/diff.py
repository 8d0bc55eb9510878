"""bpcalc diff: symbolic partial derivatives, no values needed."""

from __future__ import annotations

import click

from .common import (
    ExprCommand,
    choose_format,
    load,
    names,
    print_json,
    print_rich,
    source_options,
    view_options,
)


@click.command(cls=ExprCommand)
@source_options
@click.option("--wrt", metavar="X,Y", help="Only the partials with respect to these inputs.")
@click.option("--latex", is_flag=True, help="Formulas as LaTeX.")
@click.option("--budget", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              metavar="SECONDS", help="Time allowed for SymPy; past it the result is skipped.")
@view_options(("auto", "table", "plain", "json"),
               "auto: a table on a terminal, JSON in a pipe or file.")
def diff(args: tuple[str, ...], file: str | None, outputs: str | None, wrt: str | None,
         latex: bool, budget: float, fmt: str, as_json: bool, color: str, shot_svg: str | None,
         shot_html: str | None) -> None:
    """Symbolic partial derivatives of EXPR, as a computer algebra system prints them.

    No values are needed. Each partial is given in the inputs' own names and,
    for a program, in its intermediate names too (for c = a + b; d = b + 1;
    e = c * d: de/db = a + 2*b + 1 = c + d), with every edge's local derivative
    as a formula. Uses SymPy, within a time budget.

    \b
    Examples:
      bpcalc diff "(a+b)*(b+1)"
      bpcalc diff 'c = a + b; d = b + 1; e = c * d' --wrt b
      bpcalc diff "sin(x)*exp(y)" --latex
    """
    fmt = choose_format(fmt, as_json, shot_svg, shot_html)
    from ..symbolic.derive import derive

    program, values = load(args, file)
    dv = derive(program, values or None, wrt=names(wrt, "--wrt"),
                outputs=names(outputs, "--output"), budget=budget)
    from ..render import symbolic_view as sv

    if fmt == "json":
        print_json(dv.diff_dict())
    elif fmt == "plain":
        click.echo("\n".join(sv.derivation_lines(dv, latex)))
    if fmt in ("table", "tree") or shot_svg or shot_html:
        print_rich([sv.derivation_view(dv, latex)], color, shot_svg, shot_html, echo=fmt != "json")
