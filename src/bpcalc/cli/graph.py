"""bpcalc graph: the graph alone, as a table, tree, JSON, DOT or Mermaid."""

from __future__ import annotations

import click

from .common import (
    VIEW_FORMATS,
    ExprCommand,
    analyse,
    choose_format,
    print_json,
    print_rich,
    save_pictures,
    source_options,
    view_options,
)


@click.command(cls=ExprCommand)
@source_options
@click.option("--mode", type=click.Choice(["reverse", "forward"]),
              help="With values: also show each node's adjoint or tangent.")
@click.option("--expand", metavar="NAME",
              help="A program with families is shown one row per family; this lists a "
                   "family in full (W1), an element (W1[2,1]) or a range (W1[1..3,2]).")
@view_options(VIEW_FORMATS[:2] + ("tree", "json", "dot", "mermaid", "tikz"),
              "auto: a table on a terminal, JSON in a pipe; dot (Graphviz), mermaid and "
              "tikz (LaTeX) print text to draw the graph with.", pictures=True)
def graph(args: tuple[str, ...], file: str | None, outputs: str | None, mode: str | None,
          expand: str | None, fmt: str, as_json: bool, color: str, svg: str | None,
          html: str | None, shot_svg: str | None, shot_html: str | None) -> None:
    """The graph of EXPR alone: nodes, definitions, edges, local derivatives.

    Values are optional; with NAME=VALUE for every input, nodes and edges carry
    their numbers too (and, with --mode, each node's derivative).

    \b
    Examples:
      bpcalc graph "(a+b)*(b+1)"
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --format tree
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --mode reverse --format dot | dot -Tsvg > g.svg
      bpcalc graph "(a+b)*(b+1)" --format mermaid
      bpcalc graph "y[i] = sum(W[i,j]*x[j] for j)" W=[[1,2],[3,4]] --expand W
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --svg graph.svg
      bpcalc graph "(a+b)*(b+1)" a=2 b=1 --format tikz > graph.tex
    """
    fmt = choose_format(fmt, as_json, shot_svg, shot_html)
    result = analyse(args, file, outputs, need_values=mode is not None, mode=mode)
    ex = None
    if expand is not None:
        from ..render.folded import parse

        ex = parse(expand, result)
    if fmt == "json":
        print_json(result.graph_dict())
    elif fmt in ("dot", "mermaid"):
        from ..render import diagram

        click.echo(getattr(diagram, fmt)(result), nl=False)
    elif fmt == "tikz":
        from ..render import tikz

        click.echo(tikz.tikz(result, command="graph"), nl=False)
    save_pictures(result, svg, html, command="graph")
    if fmt in ("table", "tree") or shot_svg or shot_html:
        from ..render import rich_view

        parts = rich_view.tree_view(result, "graph") if fmt == "tree" else \
            rich_view.graph_view(result, ex or rich_view.folded.NONE)
        print_rich(parts, color, shot_svg, shot_html, echo=fmt != "json")
