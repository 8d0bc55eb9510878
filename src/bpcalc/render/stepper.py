"""GradResult -> one self-contained HTML page that steps through the pass on the drawing.

The page holds the SVG (svg.py) and the steps as data; a few lines of script light up,
at each step, the node it finishes and the edges it uses, and show its written-out sum
(`∂e/∂b = ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b = 2·1 + 3·1 = 5`), the same text as the text views.
Next / Previous / Play, a slider and the arrow keys move through the steps. No CDN, no
server, no request of any kind: it works opened from a file.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from ..numbers import shown
from ..results.grad import GradResult
from . import explain, svg


class Step(NamedTuple):
    text: str
    node: int  # the node it finishes, or -1
    edges: tuple[int, ...]  # the edges it uses


def steps(r: GradResult, wrt: str | None = None) -> list[Step]:
    """The pass of `r`'s mode that the drawing shows, as steps: reverse from the first
    output back, forward from the input `wrt` (by default the first asked for), or each
    path and then the sums; a result without a mode steps through the values."""
    index = {n.id: i for i, n in enumerate(r.nodes)}
    if r.mode in ("forward", "paths") and not r.wrt:
        return [Step("no inputs: nothing to differentiate", -1, ())]
    if r.mode == "reverse":  # the pass the drawing shows: the first output's
        o = r.outputs[0]
        return [Step(f"{explain.d(o, s.node)} = {s.text()}", index[s.node], s.edges)
                for s in explain.reverse_sums(r, o)]
    if r.mode == "forward":  # the drawing's input's pass
        w = wrt or r.wrt[0]
        return [Step(f"{explain.d(s.node, w)} = {s.text()}", index[s.node], s.edges)
                for s in explain.forward_sums(r, w)]
    if r.mode == "paths":
        hops: dict[tuple[str, str], list[int]] = {}
        for k, e in enumerate(r.edges):
            hops.setdefault((e.src, e.dst), []).append(k)
        out = []
        for p in r.paths:
            used = tuple(k for a, b in zip(p.nodes, p.nodes[1:]) for k in hops[a, b])
            nodes, factors, product = explain.path_line(p)
            out.append(Step(f"{nodes}: {factors} = {product}", index[p.nodes[-1]], used))
        out += [Step(f"{explain.d(o, w)} = {text}  ({explain.counted(n, 'path')})",
                     r.node_of_input(w), ()) for o, w, text, n in explain.path_sums(r)]
        return out
    return [Step(n.id + (f" = {n.expr}" if n.op != "input" else "")
                 + (f" = {shown(n.value)}" if n.value is not None else ""), i,
                 tuple(k for k, e in enumerate(r.edges) if e.dst == n.id))
            for i, n in enumerate(r.nodes)]


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: {font}; margin: 1.2em; color: #111; background: #fff; }}
  #controls {{ display: flex; gap: .6em; align-items: center; margin: .8em 0; }}
  button {{ font: inherit; padding: .3em .9em; }}
  #slider {{ flex: 1; max-width: 40em; }}
  #step {{ font-size: 1.1em; min-height: 2.6em; white-space: pre-wrap; }}
  #count {{ color: #555; }}
  #drawing {{ overflow: auto; border: 1px solid #ddd; }}
</style></head>
<body>
<div id="controls">
  <button id="prev" title="Previous step (←)">◀ Previous</button>
  <button id="play" title="Play (space)">▶ Play</button>
  <button id="next" title="Next step (→)">Next ▶</button>
  <input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
  <span id="count"></span>
</div>
<div id="step"></div>
<div id="drawing">
{svg}
</div>
<script>
const STEPS = {steps};
let at = 0, timer = null;
const $ = (id) => document.getElementById(id);
function show(k) {{
  at = Math.max(0, Math.min(STEPS.length - 1, k));
  document.querySelectorAll(".lit").forEach((el) => el.classList.remove("lit"));
  const s = STEPS[at];
  if (s.node >= 0) $("n" + s.node).classList.add("lit");
  s.edges.forEach((e) => ["e", "l"].forEach((p) => {{
    const el = $(p + e);  // the edge's line, and its label when it has one
    if (el) el.classList.add("lit");
  }}));
  $("step").textContent = s.text;
  $("count").textContent = "step " + (at + 1) + " of " + STEPS.length;
  $("slider").value = at;
}}
function play() {{
  if (timer) {{ clearInterval(timer); timer = null; $("play").textContent = "▶ Play"; return; }}
  if (at === STEPS.length - 1) show(0);
  $("play").textContent = "❚❚ Pause";
  timer = setInterval(() => {{ if (at === STEPS.length - 1) play(); else show(at + 1); }}, 1200);
}}
$("prev").onclick = () => show(at - 1);
$("next").onclick = () => show(at + 1);
$("play").onclick = play;
$("slider").oninput = (e) => show(Number(e.target.value));
document.addEventListener("keydown", (e) => {{
  if (e.key === "ArrowRight") show(at + 1);
  else if (e.key === "ArrowLeft") show(at - 1);
  else if (e.key === " ") {{ e.preventDefault(); play(); }}
}});
show(0);
</script>
</body></html>
"""


def page(r: GradResult, wrt: str | None = None, command: str = "grad") -> str:
    """The step-through page of `r`."""
    from html import escape

    p = svg.picture(r, wrt, command)
    drawn = svg.svg_of(p)
    all_steps = (steps(r, wrt) if len(r.nodes) <= svg.STRUCTURE else []) or [
        Step(p.notes[0] if p.notes else "nothing to step through", -1, ())]
    data = json.dumps([s._asdict() for s in all_steps], ensure_ascii=False)
    data = data.replace("</", "<\\/")  # never ends the script element
    return PAGE.format(title=escape(p.title[0]), font=svg.FONT, last=len(all_steps) - 1,
                       svg=drawn, steps=data)
