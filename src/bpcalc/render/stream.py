"""Tables too long to hold: a big program's table view written as it is made.

A `Streamed` table makes the text of its rows when it is printed (one table's text at a
time, never the rich renderables of them), measures its columns in one pass (each
column's widest cell and its longest unbreakable piece) and writes its lines a chunk at a
time. The CLI prints `chunks` straight to the terminal (cli/common.print_rich); printed
as a rich renderable (tests, screenshots) it is the same text. Time and memory are
linear in the rows: the memory of one table's text, not of rich's segments.

Past BIG nodes the table view starts with a summary (the outputs, the gradient, the cost)
and says how to see each part (docs/spec.md, "Big programs").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from .layout import BREAKS, RICH_GAP, least, stacked, widths, wrap

BIG = 1_000  # nodes from which the table view starts with a summary and streams its tables
CHUNK = 2_000  # lines written at a time


class Streamed:
    """A titled table whose rows are made by `rows()` as often as it is laid out."""

    def __init__(self, title: str, headers: Sequence[str],
                 rows: Callable[[], Iterable[Sequence[str]]]) -> None:
        self.title, self.headers, self.rows = title, list(headers), rows

    def measure(self, rows: Iterable[Sequence[str]], total: int) -> list[int] | None:
        """Column widths at `total`, as layout.widths gives them, from one pass over the
        rows keeping only each column's natural width and floor (None: stacked)."""
        n = len(self.headers)
        natural = [len(h) for h in self.headers]
        floor = [least(h) for h in self.headers]
        for row in rows:
            for c in range(n):
                cell = row[c]
                size = len(cell)
                if size > natural[c]:
                    natural[c] = size
                if size > floor[c]:  # a piece is never longer than its cell
                    piece = least(cell, BREAKS)
                    if piece > floor[c]:
                        floor[c] = piece
        # the widths of two rows that have every column's natural width and floor
        wide = [" " * w for w in natural]
        narrow = ["x" * w for w in floor]
        return widths(self.headers, [wide, narrow], total, RICH_GAP)

    def chunks(self, total: int) -> Iterator[str]:
        """The table's lines (without its title), CHUNK lines a piece, each ending in a
        newline."""
        rows = list(self.rows())  # made once: its text, not the nodes it comes from
        ws = self.measure(rows, total)
        out: list[str] = []
        if ws is None:  # too narrow for columns: one record per row, as Cells stacks them
            for row in rows:
                out += stacked(self.headers, [list(row)], total) + [""]
                if len(out) >= CHUNK:
                    yield "\n".join(out) + "\n"
                    out = []
        else:
            gap = " " * RICH_GAP
            out.append(gap.join(h.ljust(w) for h, w in zip(self.headers, ws)).rstrip())
            out.append("─" * (sum(ws) + RICH_GAP * (len(ws) - 1)))
            for row in rows:
                cells = [[cell] if len(cell) <= w else wrap(cell, w)
                         for cell, w in zip(row, ws)]
                for i in range(max(len(c) for c in cells)):
                    out.append(gap.join((c[i] if i < len(c) else "").ljust(w)
                                        for c, w in zip(cells, ws)).rstrip())
                if len(out) >= CHUNK:
                    yield "\n".join(out) + "\n"
                    out = []
        if out:
            yield "\n".join(out).rstrip("\n") + "\n"

    def __rich_console__(self, console: Any, options: Any) -> Iterable[Any]:
        from rich.text import Text

        total = options.max_width
        yield from (Text(line, style="bold") for line in wrap(self.title, total))
        for chunk in self.chunks(total):
            yield Text(chunk.rstrip("\n"))
