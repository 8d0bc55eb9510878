"""Tables that never split a value: the one table helper of the rich and plain views.

A cell breaks only after ` = `, ` + `, `·` or between list items (`, `, `; `) (and a
formula, after a `*`), so a number or a `∂e/∂w1` token always stays whole on one line.
Columns take their natural width when the table fits; otherwise the wide ones shrink
toward their longest unbreakable piece; when even that does not fit, the table is
stacked: one record per row, `header: value`.

`Cells` is the table as a rich renderable (it lays itself out at the console's width when
printed); `lines` is the same table as plain text. Rich is imported only when a `Cells`
is printed, so the plain view never loads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

_BREAK = re.compile(r"(?<= = )|(?<= \+ )|(?<=·)|(?<=, )|(?<=; )|(?<= ≈ )|(?<=[^*]\*)(?!\*)")
_COARSE = re.compile(r"(?<= = )|(?<= \+ )|(?<=, )|(?<=; )|(?<= ≈ )|(?<= · )")  # before `·`
_WORD = re.compile(r"(?<= )")  # headers and prose break at any space
ITEMS = re.compile(r"(?<=, )")  # a list (`a = 2, b = 1`) breaks between its items
WORDS, BREAKS = _WORD, _BREAK
RICH_GAP, PLAIN_GAP = 3, 2  # spaces between columns: rich's padding and divider; plain's
STACK_INDENT = 2
TREE_TEXT = 28  # columns a tree keeps for a node's label, however deep it is drawn


def pieces(text: str, breaks: re.Pattern[str] = _BREAK) -> list[str]:
    """`text` cut after each allowed break, the break kept with the piece before it."""
    return [p for p in breaks.split(text) if p]


def least(text: str, breaks: re.Pattern[str] = _BREAK) -> int:
    """The narrowest width `text` can wrap to: its longest unbreakable piece."""
    return max((len(p.rstrip()) for line in text.split("\n") for p in pieces(line, breaks)),
               default=0)


def wrap(text: str, width: int, breaks: re.Pattern[str] = _BREAK) -> list[str]:
    """`text` in lines of at most `width`, broken only at its allowed breaks (a piece wider
    than `width` gets a line of its own, whole)."""
    out: list[str] = []
    for line in text.split("\n"):
        current = ""
        for piece in _pieces_within(line, width, breaks):
            if current and len((current + piece).rstrip()) > width:
                out.append(current.rstrip())
                current = piece.lstrip()  # a line after a break starts with its text
            else:
                current += piece
        out.append(current.rstrip())
    return out


def _pieces_within(line: str, width: int, breaks: re.Pattern[str]) -> list[str]:
    """The line's pieces: cut at the coarse breaks (` = `, ` + `, list items), a piece
    still wider than `width` at `·` too; past that (prose, or a formula too long for any
    break) at spaces, and a single word longer than the width is cut (never a number or
    `∂` token in practice: those are short)."""
    coarse = pieces(line, _COARSE) if breaks is _BREAK else [line]
    out = []
    for c in coarse:
        for p in [c] if len(c.rstrip()) <= width else pieces(c, breaks):
            if len(p.rstrip()) <= width:
                out.append(p)
                continue
            for w in pieces(p, _WORD):
                out += [w] if len(w.rstrip()) <= width else \
                    [w[k:k + width] for k in range(0, len(w), width)]
    return out


def widths(headers: Sequence[str], rows: Sequence[Sequence[str]], total: int,
           gap: int, prose: Iterable[int] = ()) -> list[int] | None:
    """Column widths for a table of at most `total` columns, or None when it cannot fit
    without splitting a piece (then it is stacked). The `prose` columns break at spaces."""
    n = len(headers)
    words = set(prose)
    natural = [max([len(h) for h in headers[c].split("\n")]
                   + [len(line) for r in rows for line in r[c].split("\n")]) for c in range(n)]
    floor = [max([least(headers[c], _WORD)] + [least(r[c], _WORD if c in words else _BREAK)
                                               for r in rows]) for c in range(n)]
    room = total - gap * (n - 1)
    if sum(natural) <= room:
        return natural
    if sum(floor) > room:
        return None
    got = list(natural)  # the widest columns give way first, down to their floors
    excess = sum(got) - room
    while excess > 0:
        widest = max(w for w, lo in zip(got, floor) if w > lo)
        level = max([w for w in got if w < widest] + [0])  # the next width down
        cols = [c for c in range(n) if got[c] == widest and got[c] > floor[c]]
        for c in cols:
            cut = min(got[c] - max(level, floor[c]), -(-excess // len(cols)), excess)
            got[c] -= cut
            excess -= cut
    return got


def _cells(headers: Sequence[str], rows: Sequence[Sequence[str]], ws: list[int],
           prose: Iterable[int] = ()) -> tuple[list[list[str]], list[list[list[str]]]]:
    """Each header and each cell wrapped to its column's width, as lists of lines."""
    head = [wrap(h, w, _WORD) for h, w in zip(headers, ws)]
    breaks = [_WORD if c in set(prose) else _BREAK for c in range(len(ws))]
    return head, [[wrap(cell, w, b) for cell, w, b in zip(r, ws, breaks)] for r in rows]


def stacked(headers: Sequence[str], rows: Sequence[Sequence[str]], total: int) -> list[str]:
    """One record per row: its first cell, then `header: value` for the others."""
    out: list[str] = []
    for k, r in enumerate(rows):
        if k:
            out.append("")
        out += wrap(r[0], total)
        for h, cell in zip(headers[1:], r[1:]):
            label = " " * STACK_INDENT + f"{h}: "
            if len(label) > total // 2:  # a long header: the value on the lines below
                out += wrap(label.rstrip(), total, _WORD)
                label = " " * 2 * STACK_INDENT
            body = wrap(cell, total - len(label))
            out += [label + body[0]] + [" " * len(label) + line for line in body[1:]]
    return out


def lines(headers: Sequence[str], rows: Sequence[Sequence[str]], total: int,
          indent: str = "  ", right: Iterable[int] = ()) -> list[str]:
    """The table as plain text lines, `indent` before each, no line wider than `total`;
    the columns `right` justified right."""
    room = total - len(indent)
    ws = widths(headers, rows, room, PLAIN_GAP)
    if ws is None:
        return [indent + line if line else line for line in stacked(headers, rows, room)]
    head, body = _cells(headers, rows, ws)
    rights = set(right)
    out = _grid(head, ws, indent, rights) if any(headers) else []
    for cells in body:
        out += _grid(cells, ws, indent, rights)
    return out


def _grid(cells: list[list[str]], ws: list[int], indent: str, right: set[int]) -> list[str]:
    height = max(len(c) for c in cells)
    return [(indent + (" " * PLAIN_GAP).join(
        (c[i] if i < len(c) else "").rjust(w) if k in right else
        (c[i] if i < len(c) else "").ljust(w) for k, (c, w) in enumerate(zip(cells, ws)))
        ).rstrip() for i in range(height)]


class Cells:
    """A titled table as a rich renderable, laid out at the width it is printed at:
    columns, or stacked records when they cannot fit (see the module's docstring).
    `styles` maps (row, column) to a rich style for that cell; `right` lists the
    columns justified right."""

    def __init__(self, title: str, headers: Sequence[str], rows: Iterable[Sequence[str]],
                 styles: dict[tuple[int, int], str] | None = None,
                 right: Iterable[int] = (), instead: Any = None,
                 prose: Iterable[int] = ()) -> None:
        self.title, self.headers = title, list(headers)
        self.rows = [list(r) for r in rows]
        self.styles = styles or {}
        self.right = set(right)
        self.instead = instead  # what to print when the columns cannot fit (else stacked)
        self.prose = set(prose)  # columns of words, broken at any space

    def __rich_console__(self, console: Any, options: Any) -> Iterable[Any]:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        total = options.max_width
        ws = widths(self.headers, self.rows, total, RICH_GAP, self.prose) if self.rows else []
        if ws is None and self.instead is not None:
            yield self.instead
            return
        if self.title:
            yield from (Text(line, style="bold") for line in wrap(self.title, total, _WORD))
        if not self.rows:
            return
        if ws is None:
            text = Text()
            for line in stacked(self.headers, self.rows, total):
                text.append(line + "\n", style="" if line.startswith(" ") else "bold")
            text.rstrip()
            yield text
            return
        head, body = _cells(self.headers, self.rows, ws, self.prose)
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, show_header=any(
            self.headers))
        for c, (h, w) in enumerate(zip(head, ws)):
            t.add_column("\n".join(h), width=w, no_wrap=True,
                         justify="right" if c in self.right else "left")
        for k, cells in enumerate(body):
            t.add_row(*(Text("\n".join(c), style=self.styles.get((k, j), ""))
                        for j, c in enumerate(cells)))
        yield t


def hanging(line: str, total: int, hang: int | None = None,
            breaks: re.Pattern[str] = _BREAK) -> list[str]:
    """A line of prose or a numbered step wrapped to `total`, its continuation lines
    indented by `hang` (by default, as far as the line's own leading `  3. ` goes)."""
    if hang is None:
        m = re.match(r"\s*(?:\d+\.\s+)?", line)
        hang = m.end() if m else 0
    hang = min(hang, total // 2)
    body = wrap(line[hang:], total - hang, breaks)
    return [line[:hang] + body[0]] + [" " * hang + rest for rest in body[1:]]


class Prose:
    """Lines of text wrapped to the width they are printed at: at spaces (`words`), or,
    for numbered steps and formulas, only at the breaks a cell has."""

    def __init__(self, lines: Iterable[str], style: str = "", hang: int | None = None,
                 words: bool = True) -> None:
        self.lines, self.style, self.hang = list(lines), style, hang
        self.breaks = _WORD if words else _BREAK

    def __rich_console__(self, console: Any, options: Any) -> Iterable[Any]:
        from rich.text import Text

        out = [part for line in self.lines
               for part in hanging(line, options.max_width, self.hang, self.breaks)]
        yield Text("\n".join(out), style=self.style)


class TreeLines:
    """A tree drawn with guides (`├── `, `└── `, `│   `), each label wrapped at its
    allowed breaks under its own guide. `items` are (depth, label, style) in drawing
    order, a child right after its parent."""

    def __init__(self, items: Sequence[tuple[int, str, str]]) -> None:
        self.items = list(items)

    def lines(self, total: int) -> list[tuple[str, str]]:
        """(line, style) for each line at width `total`."""
        items = self.items
        last = [True] * len(items)  # whether no sibling comes after item k
        for k, (depth, _, _) in enumerate(items):
            for j in range(k + 1, len(items)):
                if items[j][0] <= depth:
                    last[k] = items[j][0] < depth
                    break
        out: list[tuple[str, str]] = []
        open_: list[bool] = []  # per depth: whether the guide line above goes on
        keep = max(total - TREE_TEXT - 4, 8) // 4 * 4  # columns of guides at most
        for k, (depth, label, style) in enumerate(items):
            del open_[depth:]
            rails = "".join("│   " if o else "    " for o in open_[1:])
            if len(rails) + 4 > keep:  # deep: the guides nearest the node, after a ┆
                rails = "┆" + rails[len(rails) - keep + 5:]
            head = "" if depth == 0 else rails + ("└── " if last[k] else "├── ")
            more = "" if depth == 0 else rails + ("    " if last[k] else "│   ")
            body = wrap(label, total - len(head) - 4)  # 4: continuation indent
            out.append((head + body[0], style))
            out += [(more + "    " + line, style) for line in body[1:]]
            open_.append(not last[k])
        return out

    def __rich_console__(self, console: Any, options: Any) -> Iterable[Any]:
        from rich.text import Text

        text = Text()
        for line, style in self.lines(options.max_width):
            text.append(line + "\n", style=style)
        text.rstrip()
        yield text


class Lines:
    """Text lines made for the width they are printed at: `make(width) -> lines`."""

    def __init__(self, make: Callable[[int], list[str]]) -> None:
        self.make = make

    def __rich_console__(self, console: Any, options: Any) -> Iterable[Any]:
        from rich.text import Text

        yield Text("\n".join(self.make(options.max_width)))
