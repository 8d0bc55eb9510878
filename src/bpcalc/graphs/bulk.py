"""The Builder's ways to make many nodes at a time (a mixin of builder.Builder, which owns
the lists they write): a run of lines read in columns (`extend`, with the names and keys it
makes kept apart until something looks for them), and the lanes of a family statement
(`apply_lanes`, `chain`, `input_family`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from ..text.words import RESERVED
from .graph import Key


class NamesCollide(Exception):
    """A name made in bulk was not new: the reader that made it starts again another way."""


class Bulk:
    """What Builder makes in bulk; its attributes are the Builder's (see there)."""

    keys: list[Key]
    esrc: list[int]
    edst: list[int]
    env: dict[str, int]
    inputs: dict[str, int]
    versions: dict[str, list[int]]
    _bulk: list[tuple[int, list[str], list[int]]]
    _cons: dict[Key, int]
    _pending: list[tuple[int, int, int, list[int]]]

    def lookup(self, name: str) -> int | None:
        raise NotImplementedError  # Builder's

    def apply(self, op: str, args: list[int], pos: int) -> int:
        raise NotImplementedError  # Builder's

    def settle(self) -> None:
        """Put the names made in bulk into env where they were made, after the entries env
        had then (names assigned since go after them); NamesCollide if one was not new (the
        column reader has seen that none is reserved)."""
        bulk, env = self._bulk, self.env
        if not bulk:
            return
        total = len(env) + sum(len(names) for _, names, _ in bulk)
        if bulk[0][0] == len(env):  # nothing named since the first of them
            for _, names, nodes in bulk:
                env.update(zip(names, nodes))
        else:
            items, at = list(env.items()), 0
            env.clear()
            for pos, names, nodes in bulk:
                env.update(items[at:pos])
                env.update(zip(names, nodes))
                at = pos
            env.update(items[at:])
        bulk.clear()
        if len(env) != total:
            raise NamesCollide

    def names_were_new(self) -> bool:
        """Whether every name made in bulk and not yet in env is new: none twice, none in
        env, none reserved (one set of them, where env.update would build a dict)."""
        if not self._bulk:
            return True
        made: set[str] = set()
        for _, names, _ in self._bulk:
            made.update(names)
        return len(made) == sum(len(names) for _, names, _ in self._bulk) \
            and self.env.keys().isdisjoint(made) and made.isdisjoint(RESERVED)

    def input_family(self, name: str, shape: Sequence[int],
                     elements: dict[tuple[int, ...], int]) -> None:
        """An input node for every element of the family `name`, in row-major order, each
        named `name[i,j]` (no program can write such a name, so none clashes); the graph's
        ids come from the family (graph.py), so env keeps none of them."""
        keys, inputs = self.keys, self.inputs
        first = len(keys)
        index = list(itertools.product(*[range(1, s + 1) for s in shape]))
        if len(shape) == 1:
            names = [f"{name}[{i}]" for i in range(1, shape[0] + 1)]
        else:
            names = [f"{name}[{','.join(map(str, key))}]" for key in index]
        nodes = range(first, first + len(index))
        keys.extend(itertools.repeat(("input",), len(index)))
        inputs.update(zip(names, nodes))
        elements.update(zip(index, nodes))

    def apply_lanes(self, op: str, args: Sequence[int | list[int]], lanes: int,
                    pos: int) -> list[int]:
        """`apply` in each of `lanes` lanes (graphs/lanes.py): each argument an operand, the
        same in every lane, or a list of one operand per lane."""
        if self._pending:
            self._flush()
        cons, keys, esrc, edst = self._cons, self.keys, self.esrc, self.edst
        cols: list[Iterable[int]] = [a if isinstance(a, list) else itertools.repeat(a, lanes)
                                     for a in args]
        out: list[int] = []
        push = out.append
        if len(cols) == 1:
            for a in cols[0]:
                if a < 0:
                    push(self.apply(op, [a], pos))
                    continue
                k1 = (op, a)
                i = cons.get(k1)
                if i is None:
                    i = cons[k1] = len(keys)
                    keys.append(k1)
                    esrc.append(a)
                    edst.append(i)
                push(i)
            return out
        for a, b in zip(*cols):
            if a < 0 and b < 0:
                push(self.apply(op, [a, b], pos))
                continue
            k: tuple[Any, ...] = (op, a, b)
            i = cons.get(k)
            if i is None:
                i = cons[k] = len(keys)
                keys.append(k)
                if a >= 0:
                    esrc.append(a)
                    edst.append(i)
                if b >= 0:
                    esrc.append(b)
                    edst.append(i)
            push(i)
        return out

    def chain(self, op: str, terms: Sequence[int], pos: int) -> int:
        """op(op(op(t0, t1), t2), ...): a reduction's running total (graphs/lanes.py). Once
        the total is the newest node, which no key holds yet (an operand comes before the
        nodes that read it), every later key is new: the rest are made in bulk, with no
        lookups."""
        if self._pending:
            self._flush()
        cons, keys, esrc, edst = self._cons, self.keys, self.esrc, self.edst
        acc, at = terms[0], 1
        while at < len(terms) and not (acc >= 0 and acc == len(keys) - 1):
            t = terms[at]
            at += 1
            if acc < 0 and t < 0:
                acc = self.apply(op, [acc, t], pos)
                continue
            k = (op, acc, t)
            i = cons.get(k)
            if i is None:
                i = cons[k] = len(keys)
                keys.append(k)
                if acc >= 0:
                    esrc.append(acc)
                    edst.append(i)
                if t >= 0:
                    esrc.append(t)
                    edst.append(i)
            acc = i
        rest = terms[at:]
        if not rest:
            return acc
        first = len(keys)
        made = list(zip(itertools.repeat(op), range(acc, first + len(rest) - 1), rest))
        cons.update(zip(made, range(first, first + len(made))))
        keys.extend(made)
        if min(rest) >= 0:
            esrc.extend(itertools.chain.from_iterable(zip(range(acc, first + len(rest) - 1),
                                                          rest)))
            edst.extend(itertools.chain.from_iterable(
                zip(range(first, first + len(rest)), range(first, first + len(rest)))))
        else:
            for j, t in enumerate(rest):
                esrc.append(acc + j if j else acc)
                edst.append(first + j)
                if t >= 0:
                    esrc.append(t)
                    edst.append(first + j)
        return first + len(made) - 1

    def extend(self, keys: Iterable[Key], esrc: Iterable[int], edst: Iterable[int],
               lazy: tuple[int, int, int, list[int]],
               inputs: tuple[list[str], list[int]], named: tuple[list[str], list[int]]) -> None:
        """Append nodes made in bulk (columns.py): their keys in order, their edges, the new
        inputs (names, nodes) among them, and every name they get (names, nodes), none met
        before (the reader checks that with `names_were_new` when it ends), in reading order
        (the inputs, and names assigned once). `lazy` = (first, stop, step, [k, ...]) says
        which keys are operations: keys[first + k:stop:step], node numbers
        range(first + k, stop, step); they go into the hash-consing table only when `make`
        or `exists` next looks there."""
        if named[0]:
            self._bulk.append((len(self.env), *named))
            self.inputs.update(zip(*inputs))
        self.keys.extend(keys)
        self.esrc.extend(esrc)
        self.edst.extend(edst)
        self._pending.append(lazy)

    def assign_run(self, name: str, values: list[int]) -> None:
        """`assign(name, v)` for each v of `values` in turn."""
        vs = self.versions.get(name)
        if vs is None:
            old = self.lookup(name)
            assert old is not None  # the run's first line reads the name's node before it
            vs = self.versions[name] = [old]
        vs.extend(values)
        self.env[name] = values[-1]

    def exists(self, key: Key) -> bool:
        if self._pending and self._may_be_pending(key):
            self._flush()
        return key in self._cons

    def _may_be_pending(self, key: Key) -> bool:
        """Whether `key` may be among the keys made in bulk and not yet in the table. A
        node's operands come before it, so a key with an operand at or past the last node
        made in bulk is none of them (the line after a run reads that run's result)."""
        last = self._pending[-1][1] - 1
        return all(a < last for a in key[1:])

    def _flush(self) -> None:
        keys, cons = self.keys, self._cons
        for first, stop, step, ks in self._pending:
            for k in ks:
                cons.update(zip(keys[first + k:stop:step], range(first + k, stop, step)))
        self._pending.clear()
