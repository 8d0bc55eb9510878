"""GradResult -> a TikZ picture for LaTeX slides and papers: the drawing of svg.py (the
same layout, the same labels), as `\\begin{tikzpicture} ... \\end{tikzpicture}`.

Needs only TikZ (`\\usepackage{tikz}`); text is set in \\ttfamily, as in the SVG.
"""

from __future__ import annotations

from ..results.grad import GradResult
from . import svg

SCALE = 0.02  # cm per pixel of the drawing
_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}",
        "#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$", "~": r"\~{}",
        "∂": r"$\partial$", "·": r"$\cdot$", "²": r"$^2$", "≈": r"$\approx$", "→": r"$\to$",
        "−": "-", "—": "--"}


def tex(text: str) -> str:
    """Plain text as LaTeX text: its special characters escaped, ∂ · ² ≈ → as math."""
    return "".join(_TEX.get(c, c) for c in text)


def tikz(r: GradResult, wrt: str | None = None, command: str = "grad") -> str:
    p = svg.picture(r, wrt, command)
    d = p.drawing
    out = ["% " + tex(p.title[0]).replace("\n", " "),
           r"\begin{tikzpicture}[x=1cm, y=-1cm, every node/.style={font=\ttfamily\small},",
           r"  box/.style={draw, rounded corners=2pt, align=center, inner sep=3pt},",
           r"  input/.style={box, fill=black!6}, output/.style={box, very thick},",
           r"  edgelabel/.style={fill=white, fill opacity=0.9, text opacity=1, align=center,",
           r"    font=\ttfamily\scriptsize, inner sep=1pt},",
           r"  hot/.style={draw=magenta!70!black, thick}]"]
    for i, box in enumerate(d.boxes):
        lines = p.node_lines[i] or [""]
        text = r" \\ ".join(tex(t) if j < 2 else r"{\color{magenta!70!black}" + tex(t) + "}"
                             for j, t in enumerate(lines))
        style = p.kinds[i] or "box"
        out.append(f"\\node[{style}] (n{i}) at ({box.x * SCALE:.2f}, {box.y * SCALE:.2f}) "
                   f"{{{text}}};")
    for k, route in enumerate(d.routes):
        pts = " -- ".join(f"({x * SCALE:.2f}, {y * SCALE:.2f})" for x, y in route)
        out.append(f"\\draw[->{', hot' if k in p.hot else ''}] {pts};")
        label = d.labels[k]
        if label is not None and p.label_lines[k]:
            text = r" \\ ".join(tex(t) if j == 0 else r"{\color{magenta!70!black}" + tex(t)
                                 + "}" for j, t in enumerate(p.label_lines[k]))
            out.append(f"\\node[edgelabel] at ({label.x * SCALE:.2f}, {label.y * SCALE:.2f}) "
                       f"{{{text}}};")
    y = d.height * SCALE + 0.4
    for note in p.notes:  # path products, or why the drawing is only a structure
        out.append(f"\\node[anchor=west, font=\\ttfamily\\scriptsize] at (0, {y:.2f}) "
                   f"{{{tex(note)}}};")
        y += 0.45
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"
