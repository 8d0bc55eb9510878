"""`bpcalc descend --svg`: the loss curve as a plot (axes, ticks, tick labels, axis titles;
a log scale when the loss spans more than two decades), and for two parameters their path
over the loss surface: a smooth heat map with contour lines, the start and the end of the
path marked and labelled with their values. Plain SVG, no script.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from ..numbers import shown

if TYPE_CHECKING:
    from ..descent import Descent

WIDTH = 760
LEFT, RIGHT, TOP, BOTTOM = 84.0, 40.0, 16.0, 52.0  # room around a plot's area
CURVE_H = 240.0  # the loss curve's plotting area
SIDE = 420.0  # the surface's plotting area, square
GRID = 48  # the surface is sampled GRID x GRID times
LEVELS = 9  # contour lines
ACCENT, INK, RULE = "#a0307a", "#111", "#444"
STYLE = f"""
  text {{ font-family: DejaVu Sans, Helvetica, Arial, sans-serif; font-size: 13px;
          fill: {INK}; }}
  .title {{ font-weight: bold; }}
  .tick {{ font-size: 12px; fill: #333; }}
  .axis {{ stroke: {RULE}; stroke-width: 1; }}
  .gridline {{ stroke: #e4e4e4; stroke-width: 1; }}
  .curve {{ fill: none; stroke: {ACCENT}; stroke-width: 2; }}
  .contour {{ fill: none; stroke: #fff; stroke-opacity: 0.7; stroke-width: 0.9; }}
  .path {{ fill: none; stroke: {ACCENT}; stroke-width: 2.2; }}
  .end {{ fill: {ACCENT}; stroke: #fff; stroke-width: 1.5; }}
  .start {{ fill: #fff; stroke: {INK}; stroke-width: 2; }}
  .label {{ font-size: 12px; }}
  .halo {{ fill: #fff; fill-opacity: 0.85; }}
"""


def ticks(lo: float, hi: float, most: int = 7) -> list[float]:
    """Round values (1, 2 or 5 times a power of ten apart) from lo to hi, at most `most`."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    out = []
    k = first
    while k * step <= hi + step * 1e-9:
        out.append(0.0 if abs(k * step) < step * 1e-9 else k * step)
        k += 1
    return out


def tick_text(v: float) -> str:
    return f"{v:.6g}"


def decades(lo: float, hi: float) -> list[float]:
    """Log-scale ticks: the powers of ten between 10^lo and 10^hi (as exponents), thinned
    to at most 7."""
    ks = list(range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1))
    every = max(1, -(-len(ks) // 7))
    return [float(k) for k in ks[::every]]


class Frame:
    """A plot's area at (x, y) of size w x h mapping data ranges onto it."""

    def __init__(self, x: float, y: float, w: float, h: float,
                 xs: tuple[float, float], ys: tuple[float, float]) -> None:
        self.x, self.y, self.w, self.h = x, y, w, h
        self.x0, self.x1 = xs
        self.y0, self.y1 = ys

    def at(self, u: float, v: float) -> tuple[float, float]:
        return (self.x + (u - self.x0) / ((self.x1 - self.x0) or 1.0) * self.w,
                self.y + self.h - (v - self.y0) / ((self.y1 - self.y0) or 1.0) * self.h)

    def axes(self, xticks: Sequence[float], yticks: Sequence[float], xtitle: str,
             ytitle: str, xlabel: Callable[[float], str] = tick_text,
             ylabel: Callable[[float], str] = tick_text, grid: bool = True) -> list[str]:
        """The two axes with ticks, tick labels and titles (and light grid lines)."""
        x, y, w, h = self.x, self.y, self.w, self.h
        out = []
        for u in xticks:
            px = self.at(u, self.y0)[0]
            if grid:
                out.append(f'<line class="gridline" x1="{px:.1f}" y1="{y:.1f}" x2="{px:.1f}" '
                           f'y2="{y + h:.1f}"/>')
            out += [f'<line class="axis" x1="{px:.1f}" y1="{y + h:.1f}" x2="{px:.1f}" '
                    f'y2="{y + h + 5:.1f}"/>',
                    f'<text class="tick" x="{px:.1f}" y="{y + h + 18:.1f}" '
                    f'text-anchor="middle">{escape(xlabel(u))}</text>']
        for v in yticks:
            py = self.at(self.x0, v)[1]
            if grid:
                out.append(f'<line class="gridline" x1="{x:.1f}" y1="{py:.1f}" '
                           f'x2="{x + w:.1f}" y2="{py:.1f}"/>')
            out += [f'<line class="axis" x1="{x - 5:.1f}" y1="{py:.1f}" x2="{x:.1f}" '
                    f'y2="{py:.1f}"/>',
                    f'<text class="tick" x="{x - 8:.1f}" y="{py + 4:.1f}" '
                    f'text-anchor="end">{escape(ylabel(v))}</text>']
        mid = y + h / 2
        out += [f'<line class="axis" x1="{x:.1f}" y1="{y + h:.1f}" x2="{x + w:.1f}" '
                f'y2="{y + h:.1f}"/>',
                f'<line class="axis" x1="{x:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y + h:.1f}"/>',
                f'<text x="{x + w / 2:.1f}" y="{y + h + 40:.1f}" text-anchor="middle">'
                f'{escape(xtitle)}</text>',
                f'<text x="{x - LEFT + 18:.1f}" y="{mid:.1f}" text-anchor="middle" '
                f'transform="rotate(-90 {x - LEFT + 18:.1f} {mid:.1f})">{escape(ytitle)}</text>']
        return out


LABEL_CHAR = 6.4  # about the advance of a 12 px sans-serif character, for a label's box


def label(x: float, y: float, text: str, anchor: str) -> list[str]:
    """A label at (x, y) on a light box, so that it reads over a line or a shading."""
    w = len(text) * LABEL_CHAR + 6
    left = x - 3 if anchor == "start" else x - w + 3
    return [f'<rect class="halo" x="{left:.1f}" y="{y - 12:.1f}" width="{w:.1f}" '
            f'height="16" rx="3"/>',
            f'<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">'
            f'{escape(text)}</text>']


def svg(r: Descent, surface: Callable[[float, float], float] | None, sample: int = 0) -> str:
    """The plot(s) as one SVG document: the verdict on top, wrapped; the loss curve; with
    `surface` (the loss at two parameters' values, the mean over `sample` rows) the path."""
    from ..numbers import SCREEN_DIGITS, showing

    with showing(SCREEN_DIGITS):  # what a person reads: the text view's digits
        return _svg(r, surface, sample)


def _svg(r: Descent, surface: Callable[[float, float], float] | None, sample: int) -> str:
    from .descend_view import PROSE
    from .layout import wrap

    title = wrap(r.message, 96, PROSE)
    y = 12.0 + 17 * len(title)
    parts = [f'<text class="title" font-weight="bold" x="{LEFT:.0f}" y="{20 + 17 * k}">'
             f'{escape(t)}</text>' for k, t in enumerate(title)]
    curve, y = _curve(r, y + 10)
    parts += curve
    if surface is not None:
        more, y = _surface(r, surface, y + 24, sample)
        parts += more
    height = y + 12
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}">', f"<style>{STYLE}</style>",
        f'<rect width="{WIDTH}" height="{height:.0f}" fill="#fff"/>', *parts, "</svg>"]) + "\n"


def _curve(r: Descent, top: float) -> tuple[list[str], float]:
    """The loss against the step: (SVG elements, the y below them)."""
    recs = r.records
    steps = [x.step for x in recs]
    losses = [x.loss for x in recs]
    finite = [v for v in losses if math.isfinite(v)] or [0.0]
    log = min(finite) > 0 and max(finite) / min(finite) > 100
    ys = [math.log10(v) if log and v > 0 and math.isfinite(v) else v for v in losses]
    lo, hi = min(math.log10(v) for v in finite) if log else min(finite), \
        max(math.log10(v) for v in finite) if log else max(finite)
    if not log and 0 <= lo < hi:
        lo = 0.0  # a loss on a linear scale: from 0, as a reader expects
    if hi <= lo:
        lo, hi = lo - 0.5 * (abs(lo) or 1.0), hi + 0.5 * (abs(hi) or 1.0)
    s0, s1 = float(steps[0]), float(max(steps[-1], steps[0] + 1))
    f = Frame(LEFT, top + TOP, WIDTH - LEFT - RIGHT, CURVE_H, (s0, s1), (lo, hi))
    yt = decades(lo, hi) if log else ticks(lo, hi, 6)
    xt = [t for t in ticks(s0, s1, 8) if t == int(t)]
    out = [f'<text x="{LEFT:.0f}" y="{top + 4:.1f}">the loss at each recorded step'
           f'{" (log scale)" if log else ""}</text>']
    out += f.axes(xt, yt, "step", "loss" + (" (log scale)" if log else ""),
                  xlabel=lambda v: str(int(v)),
                  ylabel=(lambda v: f"{10 ** v:g}") if log else tick_text)
    pts = [f.at(s, v) for s, v in zip(steps, ys) if math.isfinite(v)]
    if len(pts) > 1:
        out.append('<polyline class="curve" points="'
                   + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
    for k, (cls, anchor) in ((0, ("start", "start")), (len(recs) - 1, ("end", "end"))):
        if not math.isfinite(ys[k]) or (k and len(recs) < 2):
            continue
        x, y = f.at(steps[k], ys[k])
        said = f"{'start' if cls == 'start' else 'end'}: loss {shown(losses[k])}"
        dy = -14 if cls == "end" or y > f.y + 20 else 18
        out += [f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="4.5"/>',
                *label(x + (8 if anchor == "start" else -8), y + dy, said, anchor)]
    return out, f.y + f.h + BOTTOM


def _levels(values: list[list[float]]) -> tuple[bool, float, float]:
    """Whether to shade by log10 of the loss, and the range shaded."""
    finite = [v for row in values for v in row if math.isfinite(v)]
    if not finite:
        return False, 0.0, 1.0
    log = min(finite) > 0 and max(finite) / min(finite) > 100
    if log:
        finite = [math.log10(v) for v in finite]
    return log, min(finite), max(finite)


def _shade(t: float) -> str:
    """Light (low loss) to dark (high): a grey-violet ramp."""
    t = min(1.0, max(0.0, t))
    return f"rgb({round(250 - 160 * t)},{round(250 - 165 * t)},{round(255 - 125 * t)})"


def _surface(r: Descent, surface: Callable[[float, float], float], top: float,
             sample: int) -> tuple[list[str], float]:
    a, b = list(r.start)
    xs = [rec.params[a] for rec in r.records]
    ys = [rec.params[b] for rec in r.records]
    fx = [v for v in xs if math.isfinite(v)] or [0.0]
    fy = [v for v in ys if math.isfinite(v)] or [0.0]
    x0, x1, y0, y1 = min(fx), max(fx), min(fy), max(fy)
    mx, my = (x1 - x0) * 0.25 or 1.0, (y1 - y0) * 0.25 or 1.0
    x0, x1, y0, y1 = x0 - mx, x1 + mx, y0 - my, y1 + my
    f = Frame(LEFT, top + TOP + 6, SIDE, SIDE, (x0, x1), (y0, y1))
    n = GRID
    # one cell more on each side: the blur fades there, outside the clipped area
    grid = [[surface(x0 + (i + 0.5) / n * (x1 - x0), y0 + (j + 0.5) / n * (y1 - y0))
             for i in range(-1, n + 1)] for j in range(-1, n + 1)]
    log, lo, hi = _levels(grid)
    level = [[(math.log10(v) if log and v > 0 else v) if math.isfinite(v) else math.nan
              for v in row] for row in grid]
    span = (hi - lo) or 1.0
    over = f", its mean over {sample:,} rows evenly spaced" if sample and sample < r.rows else ""
    out = [f'<text x="{LEFT:.0f}" y="{top + 4:.1f}">the path of ({escape(a)}, {escape(b)}) over '
           f'the loss{over}</text>',
           '<defs><filter id="smooth">'
           f'<feGaussianBlur stdDeviation="{SIDE / n * 0.6:.1f}"/></filter>'
           f'<clipPath id="area"><rect x="{f.x:.1f}" y="{f.y:.1f}" width="{f.w:.1f}" '
           f'height="{f.h:.1f}"/></clipPath></defs>',
           '<g clip-path="url(#area)"><g filter="url(#smooth)">']
    cw = SIDE / n
    for j, row in enumerate(level):
        for i, v in enumerate(row):
            fill = "#ddd" if v != v else _shade((v - lo) / span)
            out.append(f'<rect x="{f.x + (i - 1) * cw - 0.5:.1f}" '
                       f'y="{f.y + SIDE - j * cw - 0.5:.1f}" width="{cw + 1:.1f}" '
                       f'height="{cw + 1:.1f}" fill="{fill}"/>')
    out.append("</g>")
    out += _contours([row[1:-1] for row in level[1:-1]], lo, hi, f)
    out.append("</g>")
    out += f.axes(ticks(x0, x1), ticks(y0, y1), a, b, grid=False)
    path = [f.at(x, y) for x, y in zip(xs, ys) if math.isfinite(x) and math.isfinite(y)]
    if len(path) > 1:
        out.append('<polyline class="path" points="'
                   + " ".join(f"{p:.1f},{q:.1f}" for p, q in path) + '"/>')
    first, last = r.records[0], r.records[-1]
    for rec, cls in ((first, "start"), (last, "end")):
        px, py = rec.params[a], rec.params[b]
        if not (math.isfinite(px) and math.isfinite(py)) or (cls == "end" and len(path) < 2):
            continue
        x, y = f.at(px, py)
        said = (f"{'start' if cls == 'start' else f'end, step {rec.step}'}: {a} = {shown(px)}, "
                f"{b} = {shown(py)}")
        right = x < f.x + f.w / 2
        dy = 18 if (cls == "start") == (y < f.y + f.h / 2) else -10
        out += [f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="5"/>',
                *label(x + (9 if right else -9), y + dy, said, "start" if right else "end")]
    out += _key(f, log, lo, hi)
    return out, f.y + f.h + BOTTOM


def _contours(level: list[list[float]], lo: float, hi: float, f: Frame) -> list[str]:
    """Contour lines of the sampled levels by marching squares, one path a level."""
    n = len(level)
    cw = f.w / n
    out = []
    for k in range(1, LEVELS + 1):
        c = lo + (hi - lo) * k / (LEVELS + 1)
        segs = []
        for j in range(n - 1):
            for i in range(n - 1):
                corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
                vals = [level[q][p] for p, q in corners]
                if any(v != v for v in vals):
                    continue
                cuts = []
                for e in range(4):
                    (p0, q0), (p1, q1) = corners[e], corners[(e + 1) % 4]
                    v0, v1 = vals[e], vals[(e + 1) % 4]
                    if (v0 < c) != (v1 < c):
                        t = (c - v0) / (v1 - v0)
                        cuts.append((f.x + (p0 + 0.5 + t * (p1 - p0)) * cw,
                                     f.y + f.h - (q0 + 0.5 + t * (q1 - q0)) * cw))
                for m in range(0, len(cuts) - 1, 2):
                    (ax, ay), (bx, by) = cuts[m], cuts[m + 1]
                    segs.append(f"M{ax:.1f} {ay:.1f}L{bx:.1f} {by:.1f}")
        if segs:
            out.append(f'<path class="contour" d="{"".join(segs)}"/>')
    return out


def _key(f: Frame, log: bool, lo: float, hi: float) -> list[str]:
    """The shading's key to the right of the surface: a ramp from the lowest loss sampled
    (light) to the highest (dark), with their values."""
    x, y, w, h = f.x + f.w + 26, f.y, 14.0, f.h
    steps = 24
    out = [f'<rect x="{x:.1f}" y="{y + h - (k + 1) * h / steps:.1f}" width="{w:.1f}" '
           f'height="{h / steps + 0.5:.1f}" fill="{_shade(k / (steps - 1))}"/>'
           for k in range(steps)]

    def said(v: float) -> str:
        return f"{10 ** v:.3g}" if log else f"{v:.3g}"

    out += [f'<text class="tick" x="{x + w + 6:.1f}" y="{y + h:.1f}">{said(lo)}</text>',
            f'<text class="tick" x="{x + w + 6:.1f}" y="{y + 10:.1f}">{said(hi)}</text>',
            f'<text class="tick" x="{x + w + 6:.1f}" y="{y + h / 2:.1f}">loss</text>',
            f'<text class="tick" x="{x + w + 6:.1f}" y="{y + h / 2 + 15:.1f}">'
            f'{"(log scale)" if log else ""}</text>']
    return out
