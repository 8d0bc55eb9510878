"""Backpropagation per family: one δ line a family, one gradient formula a parameter family,
in their indices, derived from the definitions (indexed.py), never element by element.

For `h2[k] = relu(sum(W2[k,j]*h1[j] for j) + b2[k])` the read of `h1[j]` sits under Σ_j
in the statement of h2[k]: its local derivative is the product of the op table's partials
on the way down (`(h2[k] > 0)`, then `W2[k,j]`), the same for every element, and the
chain rule adds over the variables the read does not fix:

    δ_h1[j] = Σ_k δ_h2[k]·(h2[k] > 0)·W2[k,j]

A family's δ is the sum of such terms over every read of it; a read's variables are
renamed to the family's own index names (those of its definition or first read), and a
summed variable that would clash takes a free letter. A statement's own value stands for
its definition in a partial (`1 - h1[j]^2` for tanh; relu's step `(u > 0)` is `(h1[j] > 0)`,
since relu(u) > 0 exactly where u > 0). Numbers and signs of a product are folded
(`1e-4·2·W1[j,i]` is `0.0002·W1[j,i]`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from .indexed import Stmt, Unsupported, children, op_of, reads, rename
from .nodes import _templates
from .trees import Bin, Chain, Elem, Neg, Num, Over, Sum, Tree, replace, substitute


class FamilyLine(NamedTuple):
    left: str  # `δ_h1[j]`, `∂loss/∂W1[j,i]`
    family: str
    at: tuple[str, ...]  # its index names
    shape: tuple[int, ...]
    tree: Tree


class PerFamily(NamedTuple):
    """One output's reverse pass, family by family."""

    output: str
    statements: tuple[Stmt, ...]  # those the output needs, in the program's order
    deltas: tuple[FamilyLine, ...]  # from the output down
    gradient: tuple[FamilyLine, ...]  # one per input family asked for, in order


def backprop(stmts: Sequence[Stmt], output: str, wrt: Sequence[str],
             shapes: Mapping[str, tuple[int, ...]], names: Mapping[str, tuple[str, ...]]
             ) -> PerFamily:
    """The δ lines and gradient formulas of `output` by the input families `wrt` (see the
    module); `shapes` every family's, `names` every family's index names."""
    by_target = {s.target: s for s in stmts}
    if output not in by_target:
        raise Unsupported(f"the output {output} is no statement")
    if by_target[output].vars:
        raise Unsupported(f"the output {output} is a family (a Jacobian)")
    needed = {output}
    for s in reversed(stmts):
        if s.target in needed:
            needed.update(e.name for e in reads(s.body) if e.name in by_target)
    active = set(wrt)  # what depends on the inputs asked for
    for s in stmts:
        if any(e.name in active for e in reads(s.body)):
            active.add(s.target)
    taken = {v for s in stmts for e in reads(s.body) for v in e.at} | \
        {v for s in stmts for v in s.vars} | {v for vs in names.values() for v in vs}
    terms: dict[str, list[Tree]] = {}
    deltas: list[FamilyLine] = []
    kept = [s for s in stmts if s.target in needed]
    for s in reversed(kept):
        if s.target not in active:
            continue
        up: Tree | None = None
        if s.target != output:
            tree = _plus(terms.get(s.target, [])[::-1])
            if tree == Num(0.0):
                continue  # nothing flows back through it (a comparison's output)
            at = names.get(s.target, s.vars)
            deltas.append(FamilyLine(f"δ_{_elem(s.target, at)}", s.target, at,
                                     shapes.get(s.target, ()), tree))
            up = Elem(s.target, s.vars, True)
        _reads_of(s, up, active, shapes, names, taken, terms)
    gradient = []
    for f in wrt:
        at = names.get(f, ())
        gradient.append(FamilyLine(f"∂{output}/∂{_elem(f, at)}", f, at, shapes.get(f, ()),
                                   _plus(terms.get(f, [])[::-1])))
    return PerFamily(output, tuple(kept), tuple(deltas), tuple(gradient))


def _elem(name: str, at: Sequence[str]) -> str:
    return f"{name}[{','.join(at)}]" if at else name


def _reads_of(s: Stmt, up: Tree | None, active: set[str],
              shapes: Mapping[str, tuple[int, ...]], names: Mapping[str, tuple[str, ...]],
              taken: set[str], terms: dict[str, list[Tree]]) -> None:
    """Add to `terms` what statement s passes back to each active family it reads."""
    me = Elem(s.target, s.vars)
    stack: list[tuple[Tree, tuple[Tree, ...], tuple[tuple[str, tuple[int, int]], ...]]] = [
        (s.body, (), tuple(zip(s.vars, s.ranges)))]
    while stack:
        t, factors, bound = stack.pop()
        if isinstance(t, Elem):
            if t.name in active and not (not t.at and t.name in dict(bound)):
                term = _term(t, up, factors, bound, shapes.get(t.name, ()),
                             names.get(t.name, t.at), taken)
                if term is not None:
                    terms.setdefault(t.name, []).append(term)
            continue
        if isinstance(t, Over):
            stack.append((t.body, factors, bound + tuple(zip(t.vars, t.ranges))))
            continue
        got = op_of(t)
        if got is None:
            continue
        op, args = got
        consts = tuple(a.value if isinstance(a, Num) else None for a in args)
        for k, a in enumerate(args):
            if not any(e.name in active for e in reads(a)):
                continue
            partial = substitute(_templates(op, k, consts), list(args))
            if t is s.body:  # the statement's own value stands for its definition
                partial = replace(partial, s.body, me)
                if op == "relu":
                    partial = replace(partial, Bin(">", args[0], Num(0.0)), Bin(">", me, Num(0.0)))
            stack.append((a, (*factors, partial), bound))


def _term(read: Elem, up: Tree | None, factors: Sequence[Tree],
          bound: Sequence[tuple[str, tuple[int, int]]], shape: Sequence[int],
          own: Sequence[str], taken: set[str]) -> Tree | None:
    """One read's term of its family's δ: Σ over the variables it leaves free of the
    product, in the family's own index names `own`; None where the product is 0."""
    ranges = dict(bound)
    if any(v.isdigit() for v in read.at) or len(set(read.at)) != len(read.at):
        raise Unsupported(f"{read.name} is read at a fixed or repeated index")
    for d, v in enumerate(read.at):
        if ranges.get(v) != (1, shape[d]):
            raise Unsupported(f"{read.name} is read over part of its range")
    product = _fold([*([up] if up is not None else []), *factors])
    if product is None:
        return None
    mapping = dict(zip(read.at, own))
    summed = [v for v, _ in bound if v not in read.at]
    free = [c for c in "ijklmnpqrstuvabcdefgh" if c not in taken and c not in own]
    for v in summed:
        if v in own:
            mapping[v] = free.pop(0)
    tree = rename(product, mapping)
    tree = unshadowed(tree, {mapping.get(v, v) for v, _ in bound} | set(own), taken)
    if summed:
        tree = Over(tuple(mapping.get(v, v) for v in summed), tuple(ranges[v] for v in summed),
                    tree)
    return tree


def unshadowed(t: Tree, outer: set[str], taken: set[str]) -> Tree:
    """t with each Σ inside it over letters of its own, where its indices would hide
    ones that t reads outside it (`cos(Σ_i W[j,i]*x[i])·x[i]` as `cos(Σ_l ...)·x[i]`)."""
    if isinstance(t, Over):
        clash = set(t.vars) & outer
        if clash:
            free = [c for c in "lmnpqrstuvabcdefgh" if c not in taken | outer | set(t.vars)]
            names = {v: free.pop(0) if v in clash else v for v in t.vars}
            t = Over(tuple(names.values()), t.ranges, rename(t.body, names))
        return Over(t.vars, t.ranges, unshadowed(t.body, outer | set(t.vars), taken))
    kids = children(t)
    if not kids:
        return t
    from .indexed import _rebuild

    return _rebuild(t, [unshadowed(k, outer, taken) for k in kids])


def _fold(factors: Sequence[Tree]) -> Tree | None:
    """The product of factors with its numbers and signs gathered in front; None if 0."""
    number, rest = 1.0, list[Tree]()
    stack = list(reversed(factors))
    while stack:
        f = stack.pop()
        if isinstance(f, Neg):
            number = -number
            stack.append(f.arg)
        elif isinstance(f, Bin) and f.op == "*":
            stack += [f.right, f.left]
        elif isinstance(f, Chain):
            stack += reversed(f.factors)
        elif isinstance(f, Num):
            number *= f.value
        elif isinstance(f, Bin) and f.op == "/" and isinstance(f.right, Num) and f.right.value:
            number /= f.right.value
            stack.append(f.left)
        else:
            rest.append(f)
    if number == 0:
        return None
    if abs(number) != 1:
        rest.insert(0, Num(abs(number)))
    body: Tree = Num(1.0) if not rest else rest[0] if len(rest) == 1 else Chain(tuple(rest))
    return Neg(body) if number < 0 else body


def _plus(terms: list[Tree]) -> Tree:
    if not terms:
        return Num(0.0)
    return terms[0] if len(terms) == 1 else Sum(tuple(terms))


__all__ = ["FamilyLine", "PerFamily", "backprop", "children"]
