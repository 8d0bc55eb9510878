"""What each kind of result looks like in each format: one table of renderers, (kind,
format) -> a function of the API's result and the view's options that gives rich
renderables (a list) or text (a str). The command line's `show` prints through it
(cli/show.py); so can anything that shows a result (a notebook's text view).

Nothing here computes, and nothing is imported before a renderer runs: rich and SymPy
stay off `import bpcalc`. (No `from __future__ import annotations`: Options's field types
as strings would each be compiled when the class is made.)
"""

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple


class Options(NamedTuple):
    """What a view may be asked for beyond its format (the command line's View has these
    fields too)."""

    steps: bool = False  # grad: the pass as a numbered trace
    latex: bool = False  # formulas as LaTeX
    label: str = ""  # descend: where the data came from
    expand: str | None = None  # a family, element or range shown in full


Renderer = Callable[[Any, Any], "list[Any] | str"]


def render(result: Any, fmt: str = "table", options: Any = None) -> list[Any] | str:
    """`result` in `fmt` (table, tree, plain, tikz, dot, mermaid, jsonl, as its command
    offers them), with `options` (an Options; None: the defaults)."""
    found = RENDERERS.get((result.kind, fmt))
    if found is None:
        offered = ", ".join(f for k, f in RENDERERS if k == result.kind)
        raise ValueError(f"a {result.kind} result has no {fmt} view; it has: {offered}")
    return found(result, Options() if options is None else options)


def _expanded(r: Any, view: Options) -> Any:
    """What --expand lists of a program with families (render/folded.py)."""
    from ..render.folded import NONE, parse

    return NONE if view.expand is None else parse(view.expand, r.result)


def _graph_table(r: Any, view: Options) -> list[Any]:
    from ..render import rich_view

    return list(rich_view.graph_view(r.result, _expanded(r, view)))


def _hessian(plain: bool) -> Renderer:
    """A Hessian's entries; a program with families by blocks, one per pair of families
    (render/hessian_blocks.py), --expand listing a family's entries."""
    def render(r: Any, view: Options) -> list[Any] | str:
        from ..render import hessian_blocks as blocks
        from ..render import second_view

        h = r.result
        ex = blocks.parse(view.expand, h)
        if plain:
            return "\n".join(blocks.lines(h, ex) if blocks.folded(h) else
                             second_view.hessian_lines(h)) + "\n"
        return list(blocks.view(h, ex) if blocks.folded(h) else second_view.hessian_view(h))
    return render


def _grad_plain(r: Any, view: Options) -> str:
    from ..render import formula_view as fv
    from ..render import plain
    from ..render import symbolic_view as sv

    lines = [plain.render(r.result, steps=view.steps, ex=_expanded(r, view))]
    if r.symbolic is not None:
        lines += ["", *fv.lines(r.symbolic, view.latex, header=False)]
    if r.exact is not None:
        lines += ["", *sv.exact_lines(r.result, r.exact)]
    if r.check is not None:
        lines += ["", *sv.check_lines(r.check)]
    return "\n".join(lines) + "\n"


def _grad_rich(r: Any, view: Options, tree: bool = False) -> list[Any]:
    from ..render import formula_view as fv
    from ..render import rich_view
    from ..render import symbolic_view as sv

    parts = rich_view.tree_view(r.result) if tree else \
        rich_view.grad_view(r.result, view.steps, _expanded(r, view))
    if tree and view.steps:
        parts.insert(-1, rich_view.steps_text(r.result))
    if r.symbolic is not None:
        parts.extend(fv.view(r.symbolic, view.latex, header=False))
    if r.exact is not None:
        parts.append(sv.exact_view(r.result, r.exact))
    if r.check is not None:
        parts.append(sv.check_view(r.check))
    return parts


def _tikz(r: Any, view: Options) -> str:
    """A family program's layers (render/layers.py), else tikz.py's drawing of the graph."""
    from ..render import layers

    if r.kind == "graph":
        return layers.tikz(r.result, None, "graph", view.expand)
    return layers.tikz(r.result, r.drawn, "grad", view.expand)


def _diagram(fmt: str) -> Renderer:
    def draw(r: Any, view: Options) -> str:
        from ..render import diagram

        return str(getattr(diagram, fmt)(r.result))
    return draw


def _rich(module: str, name: str, *args: Any) -> Renderer:
    """A renderer that calls render/MODULE.NAME(r.result, *args)."""
    def render(r: Any, view: Options) -> list[Any]:
        return list(getattr(importlib.import_module(f"..render.{module}", __package__),
                            name)(r.result, *args))
    return render


def _lines(module: str, name: str) -> Renderer:
    """A renderer of text lines: render/MODULE.NAME(r.result)."""
    def render(r: Any, view: Options) -> str:
        fn = getattr(importlib.import_module(f"..render.{module}", __package__), name)
        return "\n".join(fn(r.result)) + "\n"
    return render


def _directional_table(r: Any, view: Options) -> list[Any]:
    from ..render import second_view
    from ..render.layout import Lines

    return [Lines(lambda width: second_view.directional_lines(r.result, width))]


def _cost_table(r: Any, view: Options) -> list[Any]:
    from ..render import rich_view

    return list(rich_view.cost_view(r.expression, r.outputs, r.result))


def _diff(plain: bool) -> Renderer:
    def render(r: Any, view: Options) -> list[Any] | str:
        from ..render import formula_view as fv

        if plain:
            return "\n".join(fv.lines(r.result, view.latex)) + "\n"
        return list(fv.view(r.result, view.latex))
    return render


def _descend(plain: bool) -> Renderer:
    def render(r: Any, view: Options) -> str:
        from ..numbers import SCREEN_DIGITS, showing
        from ..render import descend_view
        from ..render.plain import width

        with showing(SCREEN_DIGITS):
            return "\n".join(descend_view.lines(r.result, view.label, width(),
                                                plain=plain)) + "\n"
    return render


def _descend_jsonl(r: Any, view: Options) -> str:
    """The JSON Lines' last line: the run's result without its history."""
    from ..render import json_text

    return json_text.render({"final": {k: v for k, v in r.to_dict().items()
                                       if k != "history"}}) + "\n"


RENDERERS: dict[tuple[str, str], Renderer] = {
    ("grad", "table"): _grad_rich,
    ("grad", "tree"): lambda r, view: _grad_rich(r, view, tree=True),
    ("grad", "plain"): _grad_plain,
    ("grad", "tikz"): _tikz,
    ("directional", "table"): _directional_table,
    ("directional", "plain"): _lines("second_view", "directional_lines"),
    ("graph", "table"): _graph_table,
    ("graph", "tree"): _rich("rich_view", "tree_view", "graph"),
    ("graph", "dot"): _diagram("dot"),
    ("graph", "mermaid"): _diagram("mermaid"),
    ("graph", "tikz"): _tikz,
    ("cost", "table"): _cost_table,
    ("hessian", "table"): _hessian(plain=False),
    ("hessian", "plain"): _hessian(plain=True),
    ("diff", "table"): _diff(plain=False),
    ("diff", "plain"): _diff(plain=True),
    ("descend", "table"): _descend(plain=False),
    ("descend", "plain"): _descend(plain=True),
    ("descend", "jsonl"): _descend_jsonl,
}
