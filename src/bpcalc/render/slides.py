"""A drawing (svg.Picture) laid out as slides: 16:9 frames of 1280 x 720 units, its text
never smaller than 12 px when a frame fills a 1280 px wide screen (a 1280 x 800
projector shows it full-screen at that size).

A drawing that fits is enlarged to fill its frame (up to MAX_SCALE). A taller one is
cut into pages between its layers (just under a layer's boxes, so that a label always
stays whole, on the page of the edge's operand), one frame under the other in the same
SVG: each page carries its number, the first the whole title; an edge cut by a page's
edge runs off it, and its label, which names both its ends (∂c/∂a), says where it goes.
A drawing wider than a frame even at the smallest text is drawn wider than 16:9, and
says so, rather than shrink its text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import drawing, svg
from .drawing import CHAR, LINE

WIDTH, HEIGHT = 1280.0, 720.0  # a 16:9 frame, in pixels at full screen
PAD = 20.0
FONT = 13.0  # the drawing's font size (svg.STYLE)
MIN_SCALE = 12.0 / FONT  # text no smaller than 12 px
MAX_SCALE = 1.6  # a small graph grows to about 21 px text, no further
PANEL = 200.0  # the step-through page's panel (controls, the sum, the legend), in px


def scale_of(p: svg.Picture) -> float:
    """How much the drawing is enlarged (or shrunk) on a slide: as much as fits one
    frame, between MIN_SCALE and MAX_SCALE; under MIN_SCALE it goes on several pages."""
    d = p.drawing
    floor = MIN_SCALE if any(p.node_lines) else 0.05  # a structure has no text to read
    s = MAX_SCALE
    while s > floor:
        ts = max(s, MIN_SCALE)
        title = len(svg.wrapped(p.title, (WIDTH - 2 * PAD) / ts))
        room = HEIGHT - 2 * PAD - (title + 0.8) * LINE * ts
        if d.width * s <= WIDTH - 2 * PAD and d.height * s <= room:
            break
        s -= 0.01 if s > 0.2 else 0.002
    return math.ceil(max(s, floor) * 100) / 100  # rounded up: never under 12 px


def page_scale(p: svg.Picture) -> tuple[float, float]:
    """The step-through page's enlargement for a slide, and the width its title wraps
    to: the drawing as large as fits a 1280 x 800 screen under the page's panel (about
    PANEL high), up to MAX_SCALE, never smaller than it is (the page scrolls to the lit
    node); the title as wide as the screen."""
    d = p.drawing
    s = MAX_SCALE
    while s > 1.0:
        title = len(svg.wrapped(p.title, (WIDTH - 2 * PAD) / s))
        if d.width * s <= WIDTH - 2 * PAD and (d.height + (title + 1) * LINE) * s <= \
                800.0 - PANEL:
            break
        s -= 0.01
    s = max(s, 1.0)
    return s, max(d.width, (WIDTH - 2 * PAD) / s)


def bands(boxes: Sequence[drawing.Box], height: float, first: float,
          rest: float) -> list[tuple[float, float]]:
    """The drawing cut into bands, the first at most `first` high and the others `rest`
    (drawing units), each ending just under a layer's boxes; a single layer taller than
    its room gets a band of its own."""
    bottoms = sorted({round(b.bottom, 1) for b in boxes})
    cuts = [b + 2.0 for b in bottoms[:-1]] + [height]
    out: list[tuple[float, float]] = []
    top = 0.0
    while cuts:
        room = rest if out else first
        fits = [c for c in cuts if c - top <= room]
        end = fits[-1] if fits else cuts[0]
        out.append((top, end))
        cuts = [c for c in cuts if c > end]
        top = end
    return out


def slides(p: svg.Picture) -> str:
    """`p` as one SVG of 16:9 pages, one under the other."""
    d = p.drawing
    s = scale_of(p)
    ts = max(s, math.ceil(MIN_SCALE * 100) / 100)  # the titles' and notes' scale
    inner = (WIDTH - 2 * PAD) / ts  # text units across a frame
    title, notes = svg.wrapped(p.title, inner), svg.wrapped(p.notes, inner)
    wide = d.width * s > WIDTH - 2 * PAD + 0.5
    if wide:
        notes.append(f"(the graph is {d.width * s:.0f} px wide at readable text: wider "
                     "than a 16:9 slide; scroll it sideways)")
    width = max(WIDTH, d.width * s + 2 * PAD)
    across = (width - 2 * PAD) / s
    first_head = (len(title) + 0.8) * LINE * ts
    next_head = 1.8 * LINE * ts
    cut = bands(d.boxes, d.height, (HEIGHT - 2 * PAD - first_head) / s,
                (HEIGHT - 2 * PAD - next_head) / s)
    last_room = HEIGHT - 2 * PAD - (first_head if len(cut) == 1 else next_head) \
        - (cut[-1][1] - cut[-1][0]) * s
    note_page = bool(notes) and (len(notes) + 0.8) * LINE * ts > last_room
    pages = len(cut) + note_page
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
           f'height="{HEIGHT * pages:.0f}" viewBox="0 0 {width:.0f} {HEIGHT * pages:.0f}">',
           f"<style>{svg.STYLE}</style>", svg.heads(),
           f'<rect width="{width:.0f}" height="{HEIGHT * pages:.0f}" fill="#fff"/>']
    y = 0.0
    for k, (top, bottom) in enumerate(cut):
        head = title if k == 0 else [title[0]]
        out += _frame(k, pages, width, ts, head)
        at = k * HEIGHT + PAD + (first_head if k == 0 else next_head)
        out.append(f'<svg x="{PAD:.0f}" y="{at:.1f}" width="{width - 2 * PAD:.0f}" '
                   f'height="{(bottom - top) * s:.1f}" viewBox="{(d.width - across) / 2:.1f} '
                   f'{top:.1f} {across:.1f} {bottom - top:.1f}">')
        out += svg.graph(p, ids=False, band=(top, bottom))
        out.append("</svg>")
        y = at + (bottom - top) * s
    if notes:
        if note_page:
            out += _frame(pages - 1, pages, width, ts, [title[0]])
            y = (pages - 1) * HEIGHT + PAD + next_head
        out.append(f'<g transform="translate({PAD:.0f} {y + LINE * ts:.1f}) scale({ts:.3f})">')
        out += svg.lines_at(0, 0, notes, "note")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _frame(k: int, pages: int, width: float, s: float, title: list[str]) -> list[str]:
    """Page k's frame: its border, its title and, past one page, its number."""
    top = k * HEIGHT
    out = [f'<rect x="0.5" y="{top + 0.5:.1f}" width="{width - 1:.0f}" height="{HEIGHT - 1:.0f}"'
           ' fill="none" stroke="#ddd"/>',
           f'<g transform="translate({PAD:.0f} {top + PAD:.1f}) scale({s:.3f})">',
           *svg.lines_at(0, LINE * 0.8, title, "title")]
    if pages > 1:
        label = f"{k + 1} / {pages}"
        out.append(f'<text class="note" x="{(width - 2 * PAD) / s - len(label) * CHAR:.1f}" '
                   f'y="{LINE * 0.8:.1f}">{label}</text>')
    out.append("</g>")
    return out
