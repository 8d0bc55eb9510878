"""GradResult -> one self-contained HTML page that steps through the pass on the drawing,
as a lesson: the forward values first, then the pass of the chosen mode.

The page holds the SVG (svg.py) and the steps as data; a few lines of script light up,
at each step, the node it finishes and the edges it uses, and show its written-out sum
(`∂e/∂b = ∂e/∂c·∂c/∂b + ∂e/∂d·∂d/∂b = 2·1 + 3·1 = 5`), the same text as the text views.
A number appears on the drawing only from the step that computes it ("show all" shows
every number); the drawing scrolls to keep the lit node in view under a panel that
holds the controls, the current sum and a legend. Next / Previous / Play, a slider and
the arrow keys move through the steps. No CDN, no server, no request of any kind: it
works opened from a file.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from ..numbers import shown
from ..results.grad import GradResult
from . import explain, slides, svg


class Step(NamedTuple):
    text: str
    node: int  # the node it finishes, or -1
    edges: tuple[int, ...]  # the edges it uses
    also: tuple[int, ...] = ()  # other nodes it finishes (the inputs, all in one step)


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
    return values(r)


def values(r: GradResult) -> list[Step]:
    """The forward values: the inputs in one step, then each operation in evaluation
    order, with the edges into it (their local derivatives are known from then on)."""
    inputs = [i for i, n in enumerate(r.nodes) if n.op == "input"]
    out = []
    if inputs:
        given = ", ".join(r.nodes[i].id + (f" = {shown(r.nodes[i].value)}"
                                           if r.nodes[i].value is not None else "")
                          for i in inputs)
        out.append(Step(f"the inputs: {given}", inputs[0], (), tuple(inputs[1:])))
    entering: dict[str, list[int]] = {}
    for k, e in enumerate(r.edges):
        entering.setdefault(e.dst, []).append(k)
    out += [Step(f"{n.id} = {n.expr}" + (f" = {shown(n.value)}" if n.value is not None
                                         else ""), i, tuple(entering.get(n.id, ())))
            for i, n in enumerate(r.nodes) if n.op != "input"]
    return out


def lesson(r: GradResult, wrt: str | None = None) -> tuple[list[Step], svg.Reveal]:
    """The steps of the page (the values, then the mode's pass) and, for every number on
    the drawing, the step that computes it: a value at its node's forward step, an edge's
    local derivative with its node's value, a derivative at the pass's step for its node,
    what an edge passes on at the first step that uses it; a number the pass never
    writes out (a derivative of 0, off every path) at the last step."""
    first = values(r)
    rest = steps(r, wrt) if r.mode else []
    every = first + rest
    last = len(every) - 1
    node_at = [[-1, last, last] for _ in r.nodes]
    label_at = [[last, last] for _ in r.edges]
    for k, s in enumerate(every):
        for i in (s.node, *s.also) if k < len(first) else ():
            if i >= 0:
                node_at[i][1] = min(node_at[i][1], k)
        for e in s.edges:
            row = 0 if k < len(first) else 1
            label_at[e][row] = min(label_at[e][row], k)
        if k >= len(first) and s.node >= 0 and (r.mode != "paths" or s.node in r.input_nodes):
            node_at[s.node][2] = min(node_at[s.node][2], k)
    for i, n in enumerate(r.nodes):
        if n.op == "input":  # an input's line 0 is its name; its value is line 1
            node_at[i][1] = 0
    return every, svg.Reveal(node_at, label_at, _notes_at(r, len(first), last))


def _notes_at(r: GradResult, first: int, last: int) -> list[int]:
    """The step of each note under the drawing (svg.picture's, paths mode): each path's
    product at its step, the count of the paths left out at the last path's, each sum
    over paths at its step, a note on a truncation from the start."""
    if r.mode != "paths":
        return []
    listed = min(len(r.paths), svg.PATHS)
    out = [first + j for j in range(listed)]
    if len(r.paths) > svg.PATHS:
        out.append(first + len(r.paths) - 1)
    sums = len(explain.path_sums(r))
    out += [min(first + len(r.paths) + j, last) for j in range(sums)]
    return out + [-1]


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  html, body {{ height: 100%; margin: 0; }}
  body {{ font-family: {font}; color: #111; background: #fff; display: flex;
         flex-direction: column; }}
  #panel {{ flex: none; padding: .5em 1em; border-bottom: 1px solid #ccc;
           background: #fafafa; }}
  #controls {{ display: flex; flex-wrap: wrap; gap: .6em; align-items: center; }}
  button {{ font: inherit; padding: .25em .8em; }}
  #slider {{ flex: 1; min-width: 8em; max-width: 40em; }}
  #step {{ font-size: 1.1em; min-height: 1.4em; margin: .4em 0 .2em; white-space: pre-wrap;
          overflow-wrap: anywhere; max-height: 5.6em; overflow: auto; }}
  #count {{ color: #555; }}
  #legend {{ font-size: .85em; color: #333; }}
  #legend summary {{ cursor: pointer; color: #555; }}
  #legend ul {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(30em, 1fr));
               gap: .15em 1.2em; list-style: none; margin: .3em 0 0; padding: 0; }}
  #legend svg {{ vertical-align: middle; margin-right: .4em; }}
  .accent {{ color: {accent}; }}
  #drawing {{ flex: 1; min-height: 0; overflow: auto; }}
  #drawing svg {{ display: block; margin: 0 auto; }}
  svg .later {{ visibility: hidden; }}
</style></head>
<body>
<div id="panel">
<div id="controls">
  <button id="prev" title="Previous step (←)">◀ Previous</button>
  <button id="play" title="Play (space)">▶ Play</button>
  <button id="next" title="Next step (→)">Next ▶</button>
  <input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
  <span id="count"></span>
  <label title="Show every number, not only those computed so far (a)"><input id="all"
    type="checkbox"> show all numbers</label>
</div>
<div id="step" aria-live="polite"></div>
<details id="legend" open><summary>What the drawing shows</summary><ul>
{legend}
</ul></details>
</div>
<div id="drawing">
{svg}
</div>
<script>
const STEPS = {steps};
let at = 0, timer = null;
const $ = (id) => document.getElementById(id);
const later = Array.from(document.querySelectorAll("#drawing [data-at]"));
function follow(el) {{  // scroll the drawing so that the lit node is in view, centred
  const box = $("drawing").getBoundingClientRect(), r = el.getBoundingClientRect();
  const inside = r.left >= box.left && r.right <= box.right && r.top >= box.top
    && r.bottom <= box.bottom;
  if (!inside) $("drawing").scrollBy((r.left + r.right - box.left - box.right) / 2,
                                     (r.top + r.bottom - box.top - box.bottom) / 2);
}}
function show(k) {{
  at = Math.max(0, Math.min(STEPS.length - 1, k));
  document.querySelectorAll(".lit").forEach((el) => el.classList.remove("lit"));
  const s = STEPS[at], all = $("all").checked;
  [s.node, ...s.also].forEach((i) => {{ if (i >= 0) $("n" + i).classList.add("lit"); }});
  s.edges.forEach((e) => ["e", "l"].forEach((p) => {{
    const el = $(p + e);  // the edge's line, and its label when it has one
    if (el) el.classList.add("lit");
  }}));
  later.forEach((el) => el.classList.toggle("later", !all && Number(el.dataset.at) > at));
  $("step").textContent = s.text;
  $("count").textContent = "step " + (at + 1) + " of " + STEPS.length;
  $("slider").value = at;
  if (s.node >= 0) follow($("n" + s.node));
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
$("all").onchange = () => show(at);
document.addEventListener("keydown", (e) => {{
  if (e.target === $("slider") && e.key.startsWith("Arrow")) return;  // the slider moves
  if (e.key === "ArrowRight" || e.key === "ArrowDown" || e.key === "PageDown") show(at + 1);
  else if (e.key === "ArrowLeft" || e.key === "ArrowUp" || e.key === "PageUp") show(at - 1);
  else if (e.key === "Home") show(0);
  else if (e.key === "End") show(STEPS.length - 1);
  else if (e.key === "a") {{ $("all").checked = !$("all").checked; show(at); }}
  else if (e.key === " " && e.target.tagName !== "BUTTON") {{ e.preventDefault(); play(); }}
  else return;
  e.preventDefault();
}});
show(0);
</script>
</body></html>
"""

SWATCH = '<svg width="40" height="16" viewBox="0 0 40 16" aria-hidden="true">{}</svg>'
_LEGEND = {  # the swatch, then what it means
    "box": ('<rect x="2" y="2" width="30" height="12" rx="3" fill="#fff" stroke="#333"/>',
            "a node: definition, value (grey: input; thick: output)"),
    "local": ('<text x="2" y="12" font-size="11">∂c/∂a</text>',
              "on an edge: its local derivative ∂above/∂below"),
    "lit": ('<rect x="2" y="2" width="30" height="12" rx="3" fill="#fff" stroke="{a}" '
            'stroke-width="3"/>', "purple outline: this step's node and the edges it uses"),
    "line": ('<path d="M 2 8 L 26 8" stroke="#777" stroke-width="1.3"/><path d="M 24 4 L 32 8 '
             'L 24 12 z" fill="#777"/>', "an edge: from an operand up to its operation"),
}
_MODE = {  # what the accent colour means in each mode
    "reverse": ["purple on a node: ∂{o}/∂node, its adjoint, from the output down",
                "purple on an edge: adjoint above · local derivative, passed down"],
    "forward": ["purple on a node: ∂node/∂{w}, its tangent, carried up from {w}",
                "purple on an edge: local derivative · tangent below, carried up"],
    "paths": ["purple edges: the paths from the chosen inputs to the output",
              "purple on an input: its paths' products of local derivatives, added"],
}


def legend(r: GradResult, wrt: str | None) -> str:
    """The legend's items as HTML: what each colour, box and line of the drawing means."""
    from html import escape

    from .svg import ACCENT

    items = [(SWATCH.format(mark.format(a=ACCENT)), text) for mark, text in _LEGEND.values()]
    w = wrt or (r.wrt[0] if r.wrt else "")
    items += [(SWATCH.format(f'<text x="2" y="12" font-size="11" fill="{ACCENT}">∂</text>'),
               text.format(o=r.outputs[0] if r.outputs else "", w=w))
              for text in _MODE.get(r.mode or "", [])]
    items.append(("", "a number appears at the step that computes it: the values first"
                      + (", then the pass" if r.mode else "")))
    return "\n".join(f"<li>{mark}{escape(text)}</li>" for mark, text in items)


def page(r: GradResult, wrt: str | None = None, command: str = "grad",
         slide: bool = False) -> str:
    """The step-through page of `r`; for a `slide`, the drawing enlarged as far as a
    1280 x 800 screen allows (never smaller than it is: the page follows the lit node)."""
    from html import escape

    p = svg.picture(r, wrt, command)
    small = len(r.nodes) <= svg.STRUCTURE
    all_steps, when = lesson(r, wrt) if small else ([], None)
    if not all_steps:
        all_steps, when = [Step(p.notes[0] if p.notes else "nothing to step through", -1,
                                ())], None
    scale, across = slides.page_scale(p) if slide else (1.0, 0.0)
    drawn = svg.svg_of(p, when=when, scale=scale, across=across)
    data = json.dumps([s._asdict() for s in all_steps], ensure_ascii=False)
    data = data.replace("</", "<\\/")  # never ends the script element
    return PAGE.format(title=escape(p.title[0]), font=svg.FONT, last=len(all_steps) - 1,
                       svg=drawn, steps=data, legend=legend(r, wrt), accent=svg.ACCENT)
