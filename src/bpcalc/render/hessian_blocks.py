"""The Hessian of a program with families, folded: one row per block, a pair of input
families (or scalar inputs) on or above the diagonal, with its size, how many of its
entries are not 0, and their min, max and norm; `--expand NAME` lists the entries of the
blocks of that family (or of one element) that are not 0; JSON has every entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InputError
from ..numbers import shown
from ..results.second import HessianResult
from .expand import EXPAND_ROWS, Expand, read, split_specs
from .explain import d, plural
from .folded import summary

Block = tuple[str, tuple[str, ...]]  # a family's (or a scalar input's) name, its inputs


def blocks(h: HessianResult) -> list[Block]:
    """The wrt inputs gathered by family, in their order (a scalar input alone)."""
    f = h.folding
    assert f is not None
    out: list[Block] = []
    seen: dict[str, int] = {}
    for w in h.wrt:
        name = w.partition("[")[0] if "[" in w and w.partition("[")[0] in f.names else w
        if name not in seen:
            seen[name] = len(out)
            out.append((name, ()))
        k = seen[name]
        out[k] = (name, out[k][1] + (w,))
    return out


def folded(h: HessianResult) -> bool:
    """Whether the Hessian is shown by blocks: a program with families."""
    return h.folding is not None and bool(h.folding.names)


def parse(text: str | None, h: HessianResult) -> Expand | None:
    """--expand for the Hessian: None when not given; an InputError without families."""
    specs = split_specs(text)
    if not specs:
        return None
    if not folded(h):
        raise InputError("--expand lists a family's entries; this program has no families "
                         "(every entry is on screen already)")
    assert h.folding is not None
    return read(specs, h.folding)


def block_rows(h: HessianResult) -> tuple[list[list[str]], list[str]]:
    """[∂²L/∂W1∂W2 [32×256], entries not 0, their summary] per block on or above the
    diagonal that is not all 0; and the names of those that are."""
    bs = blocks(h)
    rows, zero = [], []
    for i, (a, ra) in enumerate(bs):
        for b, rb in bs[i:]:
            pair = f"∂{a}²" if a == b else f"∂{a}∂{b}"
            values = [h.hessian[r][c] for r in ra for c in rb]
            nonzero = [v for v in values if v != 0]
            if not nonzero:
                zero.append(pair)
                continue
            size = f" [{len(ra)}×{len(rb)}]" if len(values) > 1 else ""
            rows.append([f"∂²{h.output}/{pair}{size}", f"{len(nonzero):,} of {len(values):,}",
                         summary(nonzero)])
    return rows, zero


def entry_rows(h: HessianResult, ex: Expand) -> list[list[str]]:
    """The entries on or above the diagonal that are not 0 in the rows --expand names."""
    picked = [w for w in h.wrt if w.partition("[")[0] in ex.families or w in ex.elements
              or w in ex.families]
    place = {w: i for i, w in enumerate(h.wrt)}
    rows = []
    for r in picked:
        for c in h.wrt:
            lo, hi = (r, c) if place[r] <= place[c] else (c, r)
            v = h.hessian[lo][hi]
            if v != 0 and (place[r] <= place[c] or c not in picked):
                pair = f"∂{lo}²" if lo == hi else f"∂{lo}∂{hi}"
                rows.append([f"∂²{h.output}/{pair}", shown(v)])
    return rows[:EXPAND_ROWS]


def gradient_rows(h: HessianResult) -> list[list[str]]:
    assert h.folding is not None
    shapes = h.folding.shapes
    rows = []
    for name, ws in blocks(h):
        shape = shapes.get(name) if len(ws) == len(h.folding.names.get(name, ())) else None
        size = f" [{','.join(map(str, shape))}]" if shape else \
            f" [{len(ws)}]" if len(ws) > 1 else ""
        rows.append([f"{d(h.output, name)}{size}", summary([h.gradient[w] for w in ws])])
    return rows


def sections(h: HessianResult, ex: Expand | None) -> list[tuple[str, Sequence[str],
                                                                 list[list[str]]]]:
    """(title, headers, rows) of the folded view: gradient, blocks, expanded entries."""
    rows, zero = block_rows(h)
    note = "" if not zero else f"; the other block, {zero[0]}, is all 0" if len(zero) == 1 \
        else f"; the other {plural(len(zero), 'block')}, {', '.join(zero)}, are all 0"
    out: list[tuple[str, Sequence[str], list[list[str]]]] = [
        ("Gradient", ["derivative", "values"], gradient_rows(h)),
        ("Hessian by blocks of families, each pair once (it is symmetric; --expand NAME "
         f"lists a family's entries, JSON has them all){note}",
         ["block", "not 0", "values"], rows)]
    if ex is not None:
        rows = entry_rows(h, ex)
        out.append((f"Entries not 0 of {', '.join(sorted(ex.families | ex.elements))}"
                    f" ({plural(len(rows), 'row')}, at most {EXPAND_ROWS})",
                    ["entry", "value"], rows))
    return out


def view(h: HessianResult, ex: Expand | None) -> list[Any]:
    from .layout import Cells, Prose
    from .rich_view import Header

    head = Header("hessian", h.expression, [h.output], h.inputs,
                  f"{h.output} = {shown(h.value)}")
    passes = plural(h.passes, "forward-over-reverse pass", "forward-over-reverse passes")
    cost = f"cost  {passes}, {plural(h.edge_ops, 'edge operation')}"
    return [head, *(Cells(t, hs, rows) for t, hs, rows in sections(h, ex)),
            Prose([cost], style="dim", hang=6)]


def lines(h: HessianResult, ex: Expand | None) -> list[str]:
    from .plain import prose, table

    out = prose([f"hessian of {h.output} = {shown(h.value)}"])
    for title, _, rows in sections(h, ex):
        out += ["", *prose([title]), *table(rows)]
    out += ["", *prose([f"cost  {plural(h.passes, 'pass', 'passes')}, "
                        f"{plural(h.edge_ops, 'edge operation')}"])]
    return out
