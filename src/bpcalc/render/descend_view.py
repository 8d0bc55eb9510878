"""`bpcalc descend` -> the text view (the first update written out, the loss curve, the
final parameters and the verdict) and the SVG picture (the loss curve; for two
parameters also their path over the loss surface)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..numbers import shown, shown_text

if TYPE_CHECKING:
    from ..descent import Descent, Record

CHART_HEIGHT = 12
# asciichartpy's symbols: ┼ ┤ ╶ ╴ ─ ╰ ╭ ╮ ╯ │, and in ASCII for --format plain
ASCII_SYMBOLS = ["+", "|", "-", "-", "-", "'", ".", ".", "'", "|"]
# Where the text view's lines may break: after `, ` and `; ` in the header's lists, as a
# table cell breaks in formulas (layout.BREAKS), and in prose at a space that is not
# inside `w = 0`, `w ← ...` or `0 − 0.1`.
ITEMS = re.compile(r"(?<=, )|(?<=; )")
PROSE = re.compile(r"(?<=[^=←−+] )(?![=←−+])")


def groups(r: Descent, params: Mapping[str, float]) -> list[tuple[str, list[str]]]:
    """The parameters in order, a scalar alone and a family's elements together:
    (name, element names)."""
    fold = r.folding
    out: list[tuple[str, list[str]]] = []
    taken: set[str] = set()
    for k in params:
        family = fold.first.get(k) if fold is not None else None
        if fold is not None and family is not None and \
                all(n in params for n in fold.names[family]):
            out.append((family, fold.names[family]))
            taken.update(fold.names[family])
        elif k not in taken:
            out.append((k, [k]))
    return out


def family_text(r: Descent, name: str, values: Sequence[float], few: int = 3) -> str:
    """`W1 [16,2] = [-0.97, 0.92, 0.3, …], norm 3.41`: its shape, its first values and its
    norm; a scalar as `b = 0.5`."""
    if r.folding is None or name not in r.folding.shapes:
        return f"{name} = {shown(values[0])}"
    shape = ",".join(map(str, r.folding.shapes[name]))
    norm = shown(math.hypot(*values))
    if not few:
        return f"{name} [{shape}] with norm {norm}"
    head = ", ".join(shown(v) for v in values[:few]) + (", …" if len(values) > few else "")
    return f"{name} [{shape}] = [{head}], norm {norm}"


def header(r: Descent, source_of_data: str) -> list[str]:
    from .explain import source_line

    rows = f"the mean over {r.rows:,} rows of {source_of_data}" if source_of_data else \
        "one point (no --data)"
    batch = f", mini-batches of {r.batch_size}" if r.batch_size else ""
    start = ", ".join(f"{k} = {shown(r.start[k])}" if ns == [k] else
                      f"{family_text(r, k, [r.start[n] for n in ns], few=0)}"
                      for k, ns in groups(r, r.start))
    return [f"bpcalc descend  {source_line(r.loss_text, [r.output or 'L'], 60)}",
            f"loss: {rows}{batch}", f"{r.optimizer}, η = {shown(r.lr)}, from {start}"]


def first_step(r: Descent) -> list[str]:
    """`w ← w − η·∂L/∂w = 0 − 0.1·(−4.6) = 0.46`, one line a parameter, after a line
    that says the rule."""
    f = r.first
    if f is None:
        return []
    lines = ["the first step: each parameter moves against its gradient"
             + {"sgd": "", "momentum": " (momentum: v ← 0.9·v + ∂L/∂p, p ← p − η·v; at the "
                "first step v is the gradient)",
                "adam": " (adam: p ← p − η·m̂/(√v̂ + ε); at the first step m̂ is the gradient "
                "and √v̂ its size, so each moves by about η)"}[r.optimizer]]
    for family, names in groups(r, f.params):
        k = names[0]
        before, g = f.params[k], f.gradient[k]
        if names != [family]:
            norm = shown(math.hypot(*(f.gradient[n] for n in names)))
            lines.append(f"  {family} ← {family} − η·∂L/∂{family}, element by element "
                         f"(|∂L/∂{family}| = {norm}); the first, {k} ← {shown(before)} − "
                         f"{shown(r.lr)}·{shown_text(g)} = {shown(f.after[k])}")
            continue
        if r.optimizer == "adam":
            said = (f"{k} ← {k} − η·m̂/(√v̂ + ε) = {shown(before)} − {shown(r.lr)}·"
                    f"{shown_text(g)}/({shown(abs(g))} + 1e-08) = {shown(f.after[k])}")
        else:
            said = (f"{k} ← {k} − η·∂L/∂{k} = {shown(before)} − {shown(r.lr)}·{shown_text(g)} "
                    f"= {shown(f.after[k])}")
        lines.append("  " + said)
    return lines


def chart(records: Sequence[Record], width: int, plain: bool = False) -> list[str]:
    """The loss against the step, drawn by asciichartpy; on a log scale when the loss
    spans more than two decades (labels are then the loss itself, not its log).

    The series is drawn shifted to start at 0: asciichartpy then places each value on
    the row whose label it is (with an offset minimum its rounding puts values a row away
    from their labels), and the labels are written here, the loss at each row."""
    import asciichartpy  # type: ignore[import-untyped]  # it ships no type hints

    losses = [r.loss for r in records]
    if len(losses) < 2:
        return []
    room = max(10, width - 12)
    if len(losses) > room:  # evenly spaced records, the first and last kept
        picks = sorted({round(k * (len(losses) - 1) / (room - 1)) for k in range(room)})
        losses = [losses[k] for k in picks]
    positive = min(losses) > 0
    log = positive and max(losses) / min(losses) > 100
    ys = [math.log10(v) for v in losses] if log else losses
    lo, hi = min(ys), max(ys)
    options: dict[str, object] = {"height": CHART_HEIGHT, "format": "{:9.3g} "}
    if plain:
        options["symbols"] = ASCII_SYMBOLS
    shifted = [y - lo for y in ys]
    drawn = asciichartpy.plot(shifted, options).splitlines()
    top = len(drawn) - 1
    levels = [lo + (hi - lo) * (top - k) / top if top else lo for k in range(top + 1)]
    labels = _labels([10 ** y for y in levels] if log else levels)
    # asciichartpy marks with a cross the row where the series starts and also the row of
    # 0 (here the top row, as the series is shifted): only the first means something
    start = top - round(shifted[0] * top / (hi - lo)) if hi > lo else 0
    room = max(9, *map(len, labels))
    out = []
    for k, line in enumerate(drawn):
        axis = line[11:12]
        if k != start and axis in ("┼", "+"):
            axis = "┤" if axis == "┼" else "|"
        out.append(f"{labels[k]:>{room}} " + line[10:11] + axis + line[12:])
    steps = f"step {records[0].step} to {records[-1].step}"
    return [f"loss, {'log scale, ' if log else ''}{steps}:", *out]


def _labels(values: list[float]) -> list[str]:
    """The rows' labels with as few digits as tell neighbours apart (2 to 6)."""
    for digits in range(2, 7):
        labels = [f"{v:.{digits}g}" for v in values]
        if len(set(labels)) == len(labels):
            break
    return labels


def result(r: Descent) -> list[str]:
    f = r.final
    lines = [f"parameters at step {f.step}"]
    found = groups(r, f.params)
    width = max((len(k) for k, ns in found if ns == [k]), default=1)
    for k, names in found:
        if names == [k]:
            lines.append(f"  {k.ljust(width)} = {shown(f.params[k])}")
        else:
            lines.append("  " + family_text(r, k, [f.params[n] for n in names]))
    over = "" if r.batch_size is None else " (over all rows)"
    lines.append(f"loss {shown(f.loss)}, gradient norm {shown(f.grad_norm)}{over}")
    for name, value in r.report.items():
        lines.append(f"{name} = {shown(value)}, its mean over the {r.rows:,} rows")
    lines.append(r.message)
    return lines


def lines(r: Descent, source_of_data: str, width: int, plain: bool = False) -> list[str]:
    """The text view at `width` columns: prose wrapped (a long line hangs by 4), the
    chart as drawn."""
    from .layout import BREAKS, hanging

    def fit(text: list[str], breaks: re.Pattern[str] = PROSE) -> list[str]:
        return [part for line in text for part in hanging(line, width, 4, breaks)]

    head = header(r, source_of_data)
    out = fit(head[:1]) + fit(head[1:], ITEMS)
    out += fit([f"warning: {w}" for w in r.warnings])
    first = first_step(r)
    out += ["", *fit(first[:1]), *fit(first[1:], BREAKS)] if first else []
    drawn = chart(r.records, width, plain)
    out += ["", *drawn] if drawn else []
    return out + ["", *fit(result(r))]


# --- SVG -------------------------------------------------------------------------------

def svg(r: Descent, surface: Callable[[float, float], float] | None,
        sample: int = 0) -> str:
    """The loss curve (log scale when it spans decades); with `surface` (the loss at two
    parameters' values, the mean over `sample` rows), also their path over the loss,
    shaded by level. The verdict on top, wrapped."""
    from xml.sax.saxutils import escape

    from .layout import wrap

    w, h, pad = 600, 300, 80  # room at the left for a label such as -0.00123
    title = wrap(r.message, 84, PROSE)
    down = 15 * (len(title) - 1)  # the title's extra lines push everything down
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" '
             f'height="{h + down + (h + 40 if surface else 0)}" font-family="sans-serif" '
             'font-size="12">', '<rect width="100%" height="100%" fill="white"/>',
             *(f'<text x="{pad}" y="{20 + 15 * k}" font-weight="bold">{escape(t)}</text>'
               for k, t in enumerate(title)),
             f'<g transform="translate(0 {down})">']
    recs = r.records
    losses = [x.loss for x in recs]
    log = min(losses) > 0 and max(losses) / min(losses) > 100
    ys = [math.log10(v) for v in losses] if log else losses
    lo, hi = min(ys), max(ys)
    span = (hi - lo) or 1.0
    steps = [x.step for x in recs]
    s0, s1 = steps[0], max(steps[-1], steps[0] + 1)

    def px(step: float, y: float) -> tuple[float, float]:
        return (pad + (step - s0) / (s1 - s0) * (w - 2 * pad),
                h - pad - (y - lo) / span * (h - 2 * pad - 20))

    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (px(s, v) for s, v in zip(steps, ys)))
    parts += [f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#888"/>',
              f'<line x1="{pad}" y1="{h - pad}" x2="{pad}" y2="40" stroke="#888"/>',
              f'<text x="{w / 2}" y="{h - 12}" text-anchor="middle">step</text>',
              f'<text x="{pad}" y="{h - pad + 16}" text-anchor="middle">{s0}</text>']
    if len(recs) > 1:
        parts += [f'<polyline fill="none" stroke="#b0006a" stroke-width="2" points="{pts}"/>',
                  f'<text x="{w - pad}" y="{h - pad + 16}" text-anchor="middle">{steps[-1]}'
                  '</text>']
    else:  # only the start: one point
        x, y = px(s0, ys[0])
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#b0006a"/>')
    for y in (lo, hi) if hi > lo else (lo,):
        label = f"{10 ** y:.2g}" if log else f"{y:.3g}"
        parts.append(f'<text x="{pad - 6}" y="{px(s0, y)[1] + 4:.1f}" text-anchor="end">'
                     f'{label}</text>')
    parts.append(f'<text x="12" y="{h / 2}" transform="rotate(-90 12 {h / 2})" '
                 f'text-anchor="middle">loss{" (log scale)" if log else ""}</text>')
    if surface is not None:
        parts += _surface(r, surface, top=h + 30, size=h, pad=pad, sample=sample)
    parts += ["</g>", "</svg>"]
    return "\n".join(parts) + "\n"


def _surface(r: Descent, surface: Callable[[float, float], float], top: float, size: float,
             pad: float, sample: int) -> list[str]:
    from xml.sax.saxutils import escape

    a, b = list(r.start)
    xs = [rec.params[a] for rec in r.records]
    ys = [rec.params[b] for rec in r.records]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    mx, my = (x1 - x0) * 0.25 or 1.0, (y1 - y0) * 0.25 or 1.0
    x0, x1, y0, y1 = x0 - mx, x1 + mx, y0 - my, y1 + my
    n = 30
    side = size - 2 * pad
    cells: list[tuple[int, int, float]] = []
    for i in range(n):
        for j in range(n):
            v = surface(x0 + (i + 0.5) / n * (x1 - x0), y0 + (j + 0.5) / n * (y1 - y0))
            cells.append((i, j, math.log10(v) if v > 0 and math.isfinite(v) else math.nan))
    finite = [v for _, _, v in cells if v == v]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    over = f", its mean over {sample:,} rows evenly spaced" if sample and sample < r.rows else ""
    out = [f'<text x="{pad}" y="{top - 8}">the path of ({escape(a)}, {escape(b)}) over the loss'
           f'{over} (lighter: lower)</text>']
    for i, j, v in cells:
        level = 0.5 if v != v else round(8 * (v - lo) / ((hi - lo) or 1.0)) / 8
        shade = int(250 - 140 * level)
        out.append(f'<rect x="{pad + i * side / n:.1f}" y="{top + (n - 1 - j) * side / n:.1f}" '
                   f'width="{side / n + 0.5:.1f}" height="{side / n + 0.5:.1f}" '
                   f'fill="rgb({shade},{shade},{min(255, shade + 10)})"/>')

    def at(x: float, y: float) -> tuple[float, float]:
        return pad + (x - x0) / (x1 - x0) * side, top + side - (y - y0) / (y1 - y0) * side

    path = " ".join(f"{p:.1f},{q:.1f}" for p, q in (at(x, y) for x, y in zip(xs, ys)))
    sx, sy = at(xs[0], ys[0])
    ex, ey = at(xs[-1], ys[-1])
    out += [f'<polyline fill="none" stroke="#b0006a" stroke-width="2" points="{path}"/>',
            f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="4" fill="#444"/>',
            f'<circle cx="{ex:.1f}" cy="{ey:.1f}" r="4" fill="#b0006a"/>',
            f'<text x="{pad + side / 2}" y="{top + side + 18}" text-anchor="middle">'
            f'{escape(a)}: {x0:.3g} to {x1:.3g}</text>',
            f'<text x="{pad + side + 8}" y="{top + side / 2}">{escape(b)}: {y0:.3g} to '
            f'{y1:.3g}</text>']
    return out
