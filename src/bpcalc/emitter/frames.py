"""Each language's frame around the statements (its signature, declarations, the
returned value and derivatives), and the mean over data rows that `descend` runs."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..graphs.graph import Graph
from .names import js_key
from .writer import _LANG, _Writer


def _python(w: _Writer, ins: list[str], extra: list[str], outs: list[str],
            results: list[str]) -> str:
    g = w.g
    value = outs[0] if len(outs) == 1 else f"({', '.join(outs)},)"
    n_out = len(outs)
    if w.kind == "jvp":
        derivs = results[0] if n_out == 1 else f"({', '.join(results)},)"
        returns = f"Returns (value, J·v){'' if n_out == 1 else ' per output'}."
    elif w.kind == "vjp":
        derivs = "(" + ", ".join(results) + ("," if len(results) == 1 else "") + ")"
        returns = f"Returns (value, uᵀJ), one entry per input: {', '.join(w.wrt)}."
    else:
        per = len(w.wrt)
        rows = [results[k * per:(k + 1) * per] for k in range(n_out)]  # output-major
        cells = ["(" + ", ".join(r) + ("," if len(r) == 1 else "") + ")" for r in rows]
        derivs = cells[0] if n_out == 1 else f"({', '.join(cells)},)"
        over = f"the gradient over {', '.join(w.wrt)}" if w.wrt else \
            "the gradient empty: nothing to differentiate by"
        returns = (f"Returns (value, gradient), {over}." if n_out == 1
                   else "Returns (values, Jacobian rows, one per output).")
    names = list(dict.fromkeys(x for x in [*outs, *results] if x.isidentifier()))
    check = ", ".join(names) + ("," if len(names) == 1 else "")
    body = [*w.body,
            f"if not all(map(math.isfinite, ({check}))):",
            '    raise OverflowError("math error: a value or derivative overflows a double")',
            f"return {value}, {derivs}"]
    del g
    params = ", ".join([*ins, *extra])
    return ("import math\n\n\n"
            f"def {w.function}({params}):\n"
            f'    """{w.what().replace("|", chr(10) * 2 + "    ")}\n\n    {returns}\n    """\n'
            + "".join(f"    {line}\n" for line in body))


def _c(w: _Writer, ins: list[str], extra: list[str], outs: list[str],
       results: list[str]) -> str:
    several = len(outs) > 1
    params = ", ".join([f"double {p}" for p in [*ins, *extra]]
                       + (["double *values"] if several else []) + ["double *grad"])
    n = len(results)
    fill = "".join(f"    grad[{k}] = {r};\n" for k, r in enumerate(results))
    if several:
        fill = "".join(f"    values[{k}] = {o};\n" for k, o in enumerate(outs)) + fill
    value = outs[0]
    what = w.what()
    layout = ("grad, output-major then input order: "
              + ", ".join(f"{o}/{i}" for o in [x for x, _ in w.g.outputs] for i in w.wrt)
              if w.kind == "grad" else "grad: " + ("J·v per output" if w.kind == "jvp"
                                                   else "uᵀJ per input"))
    return ("#include <math.h>\n\n"
            f"/* {what.replace('|', chr(10) + '   ')}\n"
            f"   Returns the value of {w.g.outputs[0][0]}"
            + (f" (the first output; values gets all {len(outs)}, "
               + ", ".join(o for o, _ in w.g.outputs) + ")" if several else "")
            + f";\n   writes {n} numbers to {layout}.\n"
            f"   On a math error returns NAN, fills grad with NAN and points\n"
            f"   {w.function}_error at the message naming the node. */\n"
            f"const char *{w.function}_error = 0;\n\n"
            f"static double {w.function}_fail(double *grad, const char *why) {{\n"
            f"    for (int k = 0; k < {n}; k++) grad[k] = NAN;\n"
            f"    {w.function}_error = why;\n"
            "    return NAN;\n}\n\n"
            f"double {w.function}({params}) {{\n"
            f"    {w.function}_error = 0;\n"
            + "".join(f"    {line}\n" for line in [*_unused(w, [*ins, *extra], outs), *w.body])
            + fill
            + f"    if (!isfinite({value})"
            + "".join(f" || !isfinite(grad[{k}])" for k in range(n)) + ")\n"
            f"        return {w.function}_fail(grad, \"math error: a value or derivative "
            "overflows a double\");\n"
            f"    return {value};\n}}\n")


def _unused(w: _Writer, params: list[str], outs: list[str]) -> list[str]:
    """`(void)x;` for each parameter that no statement reads (an input only a dead
    statement used): C compilers warn of an unused parameter with -Wextra."""
    code = re.sub(r"//[^\n]*", "", re.sub(r'"(?:[^"\\]|\\.)*"', '""', "\n".join(w.body)))
    read = set(re.findall(r"[A-Za-z_]\w*", code))
    read.update([*w.results, *outs])
    return [f"(void){p};  // no output depends on {p}" for p in params if p not in read]


def _js(w: _Writer, ins: list[str], extra: list[str], outs: list[str],
        results: list[str]) -> str:
    params = ", ".join([*ins, *extra])
    if w.kind == "jvp":
        derivs = "{" + ", ".join(f"{js_key(o)}: {r}" for o, r in zip(
            [x for x, _ in w.g.outputs], results)) + "}"
        key = "jvp"
    elif w.kind == "vjp":
        derivs = "{" + ", ".join(f"{js_key(i)}: {r}" for i, r in zip(w.wrt, results)) + "}"
        key = "vjp"
    else:
        per = len(w.wrt)
        n_out = len(outs)
        rows = [results[k * per:(k + 1) * per] for k in range(n_out)]  # output-major
        cells = ["{" + ", ".join(f"{js_key(i)}: {r}" for i, r in zip(w.wrt, row)) + "}"
                 for row in rows]
        derivs = cells[0] if n_out == 1 else "{" + ", ".join(
            f"{js_key(o)}: {c}" for (o, _), c in zip(w.g.outputs, cells)) + "}"
        key = "grad" if n_out == 1 else "jacobian"
    value = outs[0] if len(outs) == 1 else "{" + ", ".join(
        f"{js_key(o)}: {v}" for (o, _), v in zip(w.g.outputs, outs)) + "}"
    check = ", ".join(dict.fromkeys(x for x in [*outs, *results] if x.isidentifier()))
    return (f"/** {w.what().replace('|', chr(10) + ' *  ')}\n"
            f" *  Returns {{value, {key}}}; throws RangeError on a math error, naming the\n"
            " *  node. */\n"
            f"export function {w.function}({params}) {{\n"
            + "".join(f"  {line}\n" for line in w.body)
            + f"  if (![{check}].every(Number.isFinite)) {{\n"
            "    throw new RangeError(\"math error: a value or derivative overflows a double\");\n"
            "  }\n"
            f"  return {{value: {value}, {key}: {derivs}}};\n}}\n")


FRAMES = {"python": _python, "c": _c, "js": _js}



def mean_over_rows(graph: Graph, params: Sequence[str], columns: Sequence[str]) -> str:
    """Python source of `objective(<params>, <other inputs>, rows)`: the mean over `rows`
    (tuples of the `columns` inputs' values) of the output and of its gradient with
    respect to `params`, the reverse sweep of `emit` run once a row inside one loop (what
    `bpcalc descend` calls every step). Returns (mean loss, (mean ∂/∂param, ...))."""
    w = _Writer(graph, _LANG["python"], "reverse", list(params), "objective", None, None)
    w.write()
    names = w.names.node
    inputs = [n for n, _ in graph.inputs]
    fixed = [names[graph.input_at[n]] for n in inputs if n not in columns]
    row = [names[graph.input_at[c]] for c in columns]
    sums = [w.names.fresh(f"sum_d{names[graph.outputs[0][1]]}_d{names[graph.input_at[p]]}")
            for p in params]
    total, rows, n = w.names.fresh("total"), w.names.fresh("rows"), w.names.fresh("n")
    loss = names[graph.outputs[0][1]]
    lines = [f"def {w.function}({', '.join([*fixed, rows])}):",
             f"    {total} = 0.0", *(f"    {s} = 0.0" for s in sums)]
    unpack = ", ".join(row) + ("," if len(row) == 1 else "")
    lines.append(f"    for {unpack or w.names.fresh('row')} in {rows}:")
    lines += [f"        {line}" for line in w.body]
    lines.append(f"        {total} += {loss}")
    lines += [f"        {s} += {r}" for s, r in zip(sums, w.results)]
    lines.append(f"    {n} = len({rows})")
    lines.append(f"    return {total} / {n}, ({''.join(f'{s} / {n}, ' for s in sums)})")
    return "import math\n\n\n" + "\n".join(lines) + "\n"
