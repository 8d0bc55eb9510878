"""--expand: which families the folded views list in full, and which element's pass they
write out: `W1`, `W1[2,1]`, a range `W1[1..3,2]`, several with commas (render/folded.py,
render/hessian_blocks.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ..errors import InputError
from ..results.fold import Folding

EXPAND_ROWS = 200  # --expand of a family lists at most this many of its elements


class Expand(NamedTuple):
    """What --expand asked for: families listed in full, and an element chosen per family
    (the one whose pass is written out)."""

    families: frozenset[str]
    elements: frozenset[str]
    chosen: dict[str, str]  # family -> element id

    @property
    def empty(self) -> bool:
        return not self.families and not self.elements


NONE = Expand(frozenset(), frozenset(), {})
_SPEC = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[([^\]]*)\])?\s*$")


def read(specs: Sequence[str], folding: Folding) -> Expand:
    """`W1`, `W1[2,1]` or `W1[1..3,2]` (several, comma-separated at the top level) ->
    Expand; a name that is no family or element is an InputError naming the families."""
    families: set[str] = set()
    elements: list[str] = []
    groups = {g.name: g for g in folding.groups}
    known = ", ".join(g.name for g in folding.groups if g.shape)
    for spec in specs:
        m = _SPEC.match(spec)
        name = m.group(1) if m else spec
        if m is None or name not in groups or (m.group(2) and name not in folding.shapes):
            raise InputError(f"--expand {spec!r}: no family or element of that name; "
                             f"the families are: {known or 'none'}")
        if m.group(2) is None:
            families.add(name)
            continue
        shape = folding.shapes[name]
        parts = [p.strip() for p in m.group(2).split(",")]
        if len(parts) != len(shape):
            raise InputError(f"--expand {spec!r}: {name} has {len(shape)} "
                             f"{'index' if len(shape) == 1 else 'indices'}")
        ranges = []
        for p, size in zip(parts, shape):
            lo, _, hi = p.partition("..")
            if not (lo.isdigit() and (hi.isdigit() or not hi)):
                raise InputError(f"--expand {spec!r}: an index is a number or a range a..b")
            a, b = int(lo), int(hi or lo)
            if not 1 <= a <= b <= size:
                raise InputError(f"--expand {spec!r}: {name}'s indices run 1..{size}")
            ranges.append(range(a, b + 1))
        keys: list[tuple[int, ...]] = [()]
        for rg in ranges:
            keys = [k + (i,) for k in keys for i in rg]
        elements += [f"{name}[{','.join(map(str, k))}]" for k in keys]
    chosen: dict[str, str] = {}
    for e in elements:
        chosen.setdefault(e.partition("[")[0], e)
    return Expand(frozenset(families), frozenset(elements), chosen)


def split_specs(text: str | None) -> list[str]:
    """`W1,b1[2]` -> [`W1`, `b1[2]`]: commas inside brackets belong to the element."""
    if not text:
        return []
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return [s.strip() for s in [*out, cur] if s.strip()]
