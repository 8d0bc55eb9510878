"""The folded views of a program with families: one row per family (results/fold.py's
groups) in the nodes, edges, pass and gradient sections, instead of one per scalar node.

A row: the shape, the statement as written, a few values with their min, max and norm.
The pass: once per family its index formula (the chain rule over the families that use
it), then one element's sum from its edges. Pure text over a GradResult: every number is
one of the result's, or the norm of some of them (render/expand.py: --expand).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ..errors import InputError
from ..numbers import shown, shown_text
from ..results.fold import Folding, Group
from ..results.grad import GradResult
from .expand import EXPAND_ROWS, NONE, Expand, read, split_specs
from .explain import d, edge_label, edge_lists, edge_names, on_paths, plural

FEW = 3  # values a family's row shows before its min, max and norm
TERMS = 3  # terms of an element's written-out sum before `+ 12 more terms`


def parse(text: str | None, r: GradResult) -> Expand:
    """--expand's value for result `r`: NONE when not given; an InputError for a program
    without families, or a name that is none of its families or elements."""
    specs = split_specs(text)
    if not specs:
        return NONE
    f = folding(r)
    if f is None:
        raise InputError("--expand lists a family in full; this program has no families "
                         "(every node is on screen already)")
    return read(specs, f)


def norm(values: Iterable[float]) -> float:
    return math.sqrt(math.fsum(v * v for v in values))


def summary(values: Sequence[float | None]) -> str:
    """`0.16, -0.99, -0.92 and 29 more; min -0.99, max 0.96, norm 3.41`, or the one value."""
    if len(values) == 1:
        return shown(values[0])
    known = [v for v in values if v is not None and math.isfinite(v)]
    few = len(values) if len(values) <= FEW + 1 else FEW  # never `and 1 more`
    head = ", ".join(shown(v) for v in values[:few])
    more = f" and {len(values) - few:,} more" if len(values) > few else ""
    if not known:
        return head + more
    return f"{head}{more}; min {shown(min(known))}, max {shown(max(known))}, " \
           f"norm {shown(norm(known))}"


def shape_of(g: Group) -> str:
    return "[" + ",".join(map(str, g.shape)) + "]" if g.shape else ""


def title(g: Group) -> str:
    """`W1 [16,2]`, or a scalar's name."""
    return f"{g.name} {shape_of(g)}" if g.shape else g.name


def folding(r: GradResult) -> Folding | None:
    """The result's groups when it has families (else None: the scalar views as ever)."""
    return r.folding if r.folding is not None and r.folding.groups else None


def listed(r: GradResult, g: Group, ex: Expand) -> list[int]:
    """The elements of `g` that --expand lists one by one."""
    if g.name in ex.families:
        return list(g.elements[:EXPAND_ROWS])
    return [v for v in g.elements if r.nodes[v].id in ex.elements]


def node_rows(r: GradResult, ex: Expand = NONE) -> list[list[str]]:
    """[family, definition and values] per group; --expand's elements after their family."""
    f = folding(r)
    assert f is not None
    rows = []
    for g in f.groups:
        definition = g.definition or (r.nodes[g.elements[-1]].expr if g.elements else "")
        if g.definition != "input" and len(g.nodes) > len(g.elements):
            definition += f"  ({plural(len(g.nodes), 'node')})"
        if r.evaluated:  # an input's values beside the word, a statement's below it
            definition += (" " if definition == "input" else "\n") + "= " + \
                summary([r.nodes[v].value for v in g.elements])
        rows.append([title(g), definition])
        rows += [[f"  {r.nodes[v].id}", f"= {shown(r.nodes[v].value)}" if r.evaluated else ""]
                 for v in listed(r, g, ex)]
    return rows


def edge_rows(r: GradResult) -> list[list[str]]:
    """[into family, from families with their edge counts, its first edge] per group that
    has edges coming in."""
    f = folding(r)
    assert f is not None
    index = {n.id: i for i, n in enumerate(r.nodes)} if r.edges else {}
    owner, groups = f.owner, f.groups
    into: dict[int, dict[int, list[int]]] = {}
    for k, e in enumerate(r.edges):
        dst, src = owner[index[e.dst]], owner[index[e.src]]
        into.setdefault(dst, {}).setdefault(src, []).append(k)
    names = edge_names(r)
    rows = []
    for dst in sorted(into):
        sources = into[dst]
        count = sum(len(ks) for ks in sources.values())
        said = ", ".join(f"{'within' if s == dst else groups[s].name} {len(ks):,}"
                         for s, ks in sorted(sources.items()))
        outside = [ks[0] for s, ks in sorted(sources.items()) if s != dst]
        first = outside[0] if outside else next(iter(sources.values()))[0]
        rows.append([groups[dst].name, f"{plural(count, 'edge')}: {said}",
                     edge_label(r.edges[first], names[first])])
    return rows


def _letters(name: str, text: str) -> str:
    """The indices `name` is written with in `text`: `j,i` for W1 in h1[j] = ...W1[j,i]..."""
    m = re.search(rf"(?<![\w.]){re.escape(name)}\[([^\]]*)\]", text)
    return m.group(1).replace(" ", "") if m else ""


Lists = tuple[dict[str, int], list[list[int]], list[list[int]]]  # explain.edge_lists


def _reached(r: GradResult, f: Folding, g: int, ahead: bool, keep: Sequence[bool],
             lists: Lists) -> list[int]:
    """The groups whose elements `g`'s elements reach (ahead: use them; else: come from
    them) through unnamed steps alone, on the paths `keep` marks: y*score made in acc's
    statement but used by loss makes y's user loss, not acc."""
    index, leaving, entering = lists
    edges = leaving if ahead else entering
    element = f.is_element
    found: set[int] = set()
    stack = [v for v in f.groups[g].elements if keep[v]]
    seen = set(stack)
    while stack:
        v = stack.pop()
        for k in edges[v]:
            e = r.edges[k]
            u = index[e.dst if ahead else e.src]
            if u in seen or not keep[u]:
                continue
            seen.add(u)
            if element[u]:
                found.add(f.owner[u])
            else:
                stack.append(u)
    return sorted(found - {g}) or sorted(found)


def finished(groups: Sequence[Group]) -> list[int]:
    """The groups in the order their last element is computed: a family is complete
    after every family it reads, so a pass meets them in this order (reverse: backwards)."""
    return sorted(range(len(groups)), key=lambda k: max(groups[k].elements, default=-1))


class Chain(NamedTuple):
    """One group's line in a folded pass: its index formula and one element's sum."""

    formula: str
    element: str  # the chosen element's written-out sum
    values: str  # the summary of the group's adjoints (or tangents)


def _own(g: Group, groups: Sequence[Group], users: Iterable[int]) -> str:
    """`h1[j]`, `W1[j,i]` (as its first user writes it), or a scalar's name."""
    if not g.shape:
        return g.name
    letters = _letters(g.name, g.definition) if g.definition != "input" else ""
    for u in users:
        letters = letters or _letters(g.name, groups[u].definition)
    return f"{g.name}[{letters or '·'}]"


def _term(out: str, user: Group, own: str, groups: Sequence[Group]) -> str:
    """`Σ_k ∂L/∂h2[k]·∂h2[k]/∂h1[j]`: the chain rule through one using family."""
    them = _own(user, groups, ())
    inner = own.partition("[")[2].rstrip("]").split(",")
    summed = [c for c in them.partition("[")[2].rstrip("]").split(",") if c and c != "·"
              and c not in inner]
    sigma = f"Σ_{','.join(summed)} " if summed else ""
    return f"{sigma}{d(out, them)}·{d(them, own)}"


def written(left: str, terms: Sequence[str], numbers: Sequence[str],
            value: float | None) -> str:
    """`∂L/∂h1[3] = ∂L/∂a·∂a/∂h1[3] + ... + 13 more terms = 0.5·2 + ... = 7`: an element's
    sum from its edges, its first TERMS terms written out."""
    more = f" + {len(terms) - TERMS} more terms" if len(terms) > TERMS else ""
    return (f"{left} = {' + '.join(terms[:TERMS])}{more} = "
            f"{' + '.join(numbers[:TERMS])}{more} = {shown(value)}")


def reverse_chains(r: GradResult, out: str, ex: Expand = NONE) -> list[Chain]:
    """The reverse pass for `out`, once per group, from the output back: the index formula,
    then the chosen element's adjoint written out from the edges leaving it."""
    assert r.adjoints is not None
    f = folding(r)
    assert f is not None
    groups = f.groups
    lists = edge_lists(r)
    index, leaving, _ = lists
    names = edge_names(r)
    out_node = r.output_nodes[r.outputs.index(out)]
    keep = on_paths(r, [r.node_of_input(w) for w in r.wrt], [out_node])
    chains = []
    for gi in reversed(finished(groups)):
        g = groups[gi]
        elements = [v for v in g.elements if keep[v]]
        if not elements:
            continue
        users = _reached(r, f, gi, True, keep, lists)
        own = _own(g, groups, users)
        adj = [r.adjoints[v][out] for v in g.elements]
        if out_node in g.elements and not g.shape:
            chains.append(Chain(f"{d(out, out)} = 1 (seed)", "", ""))
            continue
        formula = f"{d(out, own)} = " + " + ".join(_term(out, groups[u], own, groups)
                                                   for u in users)
        adjoints = r.adjoints
        v = index[ex.chosen[g.name]] if g.name in ex.chosen else \
            max(elements, key=lambda u: abs(adjoints[u][out] or 0))  # the largest first
        terms, nums = [], []
        for k in leaving[v]:
            e = r.edges[k]
            if keep[index[e.dst]]:
                terms.append(f"{d(out, e.dst)}·{names[k]}")
                nums.append(f"{shown_text(r.adjoints[index[e.dst]][out])}·"
                            f"{shown_text(e.value)}")
        element = written(d(out, r.nodes[v].id), terms, nums, r.adjoints[v][out])
        inner = g.shape and g.definition != "input"  # an input's: the gradient below
        chains.append(Chain(formula, element, summary(adj) if inner else ""))
    return chains


def forward_chains(r: GradResult, wrt: str) -> list[Chain]:
    """The forward pass from input `wrt`, once per group on its paths: the index formula
    over the families it comes from, then the first element's tangent written out."""
    assert r.tangents is not None
    f = folding(r)
    assert f is not None
    groups = f.groups
    lists = edge_lists(r)
    index, _, entering = lists
    names = edge_names(r)
    seed = r.node_of_input(wrt)
    keep = on_paths(r, [seed], r.output_nodes)
    chains = []
    for gi in finished(groups):
        g = groups[gi]
        elements = [v for v in g.elements if keep[v] and (v == seed or r.tangents[v][wrt])]
        elements = elements or [v for v in g.elements if keep[v]]
        if not elements:
            continue
        if seed in g.elements:
            chains.append(Chain(f"{d(wrt, wrt)} = 1 (seed)", "", ""))
            continue
        makers = [u for u in _reached(r, f, gi, False, keep, lists) if u != gi]
        own = _own(g, groups, ())
        terms = []
        for u in makers:
            them = _own(groups[u], groups, [gi])
            inner = them.partition("[")[2].rstrip("]").split(",")
            mine = own.partition("[")[2].rstrip("]").split(",")
            summed = [c for c in inner if c and c != "·" and c not in mine]
            sigma = f"Σ_{','.join(summed)} " if summed and groups[u].name != wrt.partition(
                "[")[0] else ""
            if groups[u].name == wrt.partition("[")[0]:
                terms.append(f"{d(own, wrt)} (direct)")
            else:
                terms.append(f"{sigma}{d(own, them)}·{d(them, wrt)}")
        formula = f"{d(own, wrt)} = " + " + ".join(terms)
        if len(terms) == 1 and terms[0].endswith("(direct)"):
            formula = f"{d(own, wrt)}: from {wrt} directly"
        v = elements[0]
        sym, num = [], []
        for k in entering[v]:
            e = r.edges[k]
            if keep[index[e.src]]:
                sym.append(f"{names[k]}·{d(e.src, wrt)}")
                num.append(f"{shown_text(e.value)}·{shown_text(r.tangents[index[e.src]][wrt])}")
        element = written(d(r.nodes[v].id, wrt), sym, num, r.tangents[v][wrt])
        tangents = [r.tangents[u][wrt] for u in g.elements]
        chains.append(Chain(formula, element, summary(tangents) if g.shape else ""))
    return chains


def gradient_rows(r: GradResult, ex: Expand = NONE) -> list[list[str]]:
    """[∂L/∂W1 [16,2], its values' summary] per input group, per output."""
    f = folding(r)
    assert f is not None
    rows = []
    wanted = set(r.wrt)
    for o in r.outputs:
        row = r.jacobian[o]
        for g in f.groups:
            if g.definition != "input":
                continue
            ids = [r.nodes[v].id for v in g.elements]
            if not any(i in wanted for i in ids):
                continue
            values = [row[i] for i in ids if i in wanted]
            rows.append([f"{d(o, g.name)} {shape_of(g)}".rstrip(), summary(values)])
            rows += [[f"  {d(o, r.nodes[v].id)}", shown(row[r.nodes[v].id])]
                     for v in listed(r, g, ex) if r.nodes[v].id in wanted]
    return rows


def tree_items(r: GradResult, out: str) -> list[tuple[int, str, str]]:
    """The output as a tree of families: each group under the group that uses it, a
    group met again named, not redrawn."""
    f = folding(r)
    assert f is not None
    groups, owner = f.groups, f.owner
    lists = edge_lists(r)
    everywhere = [True] * len(r.nodes)
    last = {k: i for i, k in enumerate(finished(groups))}
    makers = [sorted((u for u in _reached(r, f, gi, False, everywhere, lists) if u != gi),
                     key=last.__getitem__)  # the last made first: score before W1
              for gi in range(len(groups))]
    root = owner[r.output_nodes[r.outputs.index(out)]]
    items: list[tuple[int, str, str]] = []
    seen: set[int] = set()
    stack = [(root, 0)]
    while stack:
        gi, depth = stack.pop()
        g = groups[gi]
        if gi in seen:
            items.append((depth, f"{title(g)} (shown above)", "dim"))
            continue
        seen.add(gi)
        label = title(g) if g.definition == "input" else g.definition or title(g)
        if g.shape and g.definition != "input":
            label += f"  {shape_of(g)}"
        if r.evaluated:
            label += " = " + summary([r.nodes[v].value for v in g.elements])
        if r.adjoints is not None:
            adj = [r.adjoints[v][out] for v in g.elements]
            label += f",  {d(out, g.name)} = {summary(adj) if len(adj) > 1 else shown(adj[0])}"
        items.append((depth, label, "bold" if depth == 0 else ""))
        stack += [(m, depth + 1) for m in makers[gi]]
    return items


def _largest(r: GradResult) -> str:
    """The input of the first family with the largest partial of the first output: the
    forward pass worth writing out (ties: the first)."""
    f = folding(r)
    g = next((g for g in f.groups if g.shape and g.definition == "input"), None) if f else None
    row = r.jacobian[r.outputs[0]]
    names = [r.nodes[v].id for v in g.elements if r.nodes[v].id in row] if g else []
    return max(names, key=lambda w: abs(row[w])) if names else r.wrt[0]


def mode_note(r: GradResult) -> str:
    """What the folded pass leaves out, and how to see it (with the program's own first
    family and element as the example)."""
    f = folding(r)
    g = next((g for g in f.groups if g.shape), None) if f else None
    name = g.name if g else "W"
    element = r.nodes[g.elements[-1]].id if g and g.elements else f"{name}[1]"
    if r.mode == "forward":
        return (f"Forward mode runs {plural(len(r.wrt), 'pass', 'passes')}, one per input; "
                "the pass written out here, family by family, is the one with the largest "
                f"partial (--expand {element} picks another, --wrt NAME --format json has "
                "every tangent).")
    return ("Each family's adjoints follow one index formula; the element written out is the "
            f"one with the largest adjoint (--expand {element} picks another, --expand "
            f"{name} lists a family).")


def pass_lines(r: GradResult, ex: Expand = NONE, numbered: bool = False) -> list[str]:
    """The folded pass as lines: per group its formula, then (indented) the chosen
    element's sum and the group's adjoints or tangents; `numbered` for --steps."""
    out: list[str] = []
    n = 0
    blocks: list[tuple[str, list[Chain]]] = []
    if r.mode == "reverse":
        blocks = [(f"reverse pass for {o}, from {o} back, family by family:",
                   reverse_chains(r, o, ex)) for o in r.outputs]
    elif r.mode == "forward" and r.wrt:
        w = next((e for e in ex.chosen.values() if e in r.wrt), None) or _largest(r)
        blocks = [(f"forward pass for {w}, from {w} towards the outputs, family by family:",
                   forward_chains(r, w))]
    for head, chains in blocks:
        out.append(head)
        for c in chains:
            n += 1
            out.append(f"{n:>3}. {c.formula}" if numbered else c.formula)
            lead = "     " if numbered else "    "
            out += [lead + c.element] if c.element else []
            out += [lead + "all: " + c.values] if c.values else []
    return out
