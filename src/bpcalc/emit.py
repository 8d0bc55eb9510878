"""`bpcalc emit`: the gradient as one self-contained function in Python, C or JavaScript.

The function a teacher would write for `(a+b)*(b+1)`, in reverse mode:

    c = a + b
    d = b + 1.0
    e = c * d
    de_dd = c  # ∂e/∂d = c
    de_dc = d  # ∂e/∂c = d
    de_db = de_dc  # ∂c/∂b = 1
    de_db += de_dd  # ∂d/∂b = 1
    de_da = de_dc  # ∂c/∂a = 1

Names: the forward sweep keeps the program's names (an unnamed node its id, as `grad`'s
node table names it); a derivative is `dN_dD`, ∂N/∂D: reverse mode names adjoints after
the output (`de_dc` is ∂e/∂c), forward mode tangents after the input (`dc_da` is ∂c/∂a);
a JVP's tangents are `c_dot`, a VJP's adjoints `c_bar`. Reverse statements come in the
order of `grad`'s reverse table (nodes from the output back, each node's edges in order),
one statement per edge with a comment quoting it; only nodes between the chosen inputs
and outputs appear, so no variable goes unused. Spellings are the op table's
(`ops.spell`: a new primitive is still one row); its `guard`s make a domain error raise
(Python, JavaScript) or return NaN with an error message (C) that names the node, as
`bpcalc grad` would. Kinks follow bpcalc's conventions, with a comment where they apply.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from .build.builder import value_failure
from .build.graph import Graph, edge_formula, node_definition
from .errors import InputError
from .ops import OPS, Code, spell

if TYPE_CHECKING:
    from .analysis import Analysis

LANGS = ("python", "c", "js")
KINKS = {"relu": "relu'(0) is taken as 0", "abs": "abs'(0) is taken as 0",
         "max": "at a tie each side gets 0.5", "min": "at a tie each side gets 0.5"}
_C_WORDS = set("auto break case char const continue default do double else enum extern float "
               "for goto if inline int long register restrict return short signed sizeof "
               "static struct switch typedef union unsigned void volatile while grad value "
               "isfinite isnan NAN INFINITY errno main".split())
_JS_WORDS = set("await break case catch class const continue debugger default delete do else "
                "enum export extends false finally for function if import in instanceof let "
                "new null return super switch this throw true try typeof var void while with "
                "yield Math NaN Infinity undefined value grad".split())


class Lang(NamedTuple):
    name: str
    comment: str  # line comment marker
    words: set[str]  # names a variable may not take


_LANG = {"python": Lang("python", "#", set(keyword.kwlist) | {"math", "value", "grad"}),
         "c": Lang("c", "//", _C_WORDS), "js": Lang("js", "//", _JS_WORDS)}


def literal(x: float, lang: str) -> str:
    r = repr(float(x))
    if lang != "python" and "e" not in r and "." not in r:
        r += ".0"
    return f"({r})" if r.startswith("-") else r


class _Names:
    """Identifiers for nodes and derivatives, unique and legal in the language."""

    def __init__(self, graph: Graph, lang: Lang, function: str) -> None:
        self.taken = set(lang.words) | {function}
        self.lang = lang
        self.node = [self.fresh(i.replace(".", "_")) for i in graph.ids]

    def fresh(self, want: str) -> str:
        name = re.sub(r"\W", "_", want)
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name


def _repeated_calls(text: str) -> list[str]:
    """The function calls (`math.exp(-2.0 * math.fabs(n))`) that occur more than once in
    `text`, outermost first."""
    calls = []
    for m in re.finditer(r"[A-Za-z_][\w.]*\(", text):
        depth, end = 0, m.end() - 1
        for end in range(m.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        calls.append(text[m.start():end + 1])
    repeated = [c for c in dict.fromkeys(calls) if text.count(c) > 1]
    return [c for c in repeated if not any(c != d and c in d for d in repeated)]


class Emitted(NamedTuple):
    code: str
    function: str
    inputs: tuple[str, ...]  # parameter names, in order (the program's inputs)
    extra: tuple[str, ...]  # a JVP's direction or a VJP's cotangent parameters
    outputs: tuple[str, ...]
    wrt: tuple[str, ...]


def emit(graph: Graph, lang: str = "python", mode: str = "reverse",
         wrt: Sequence[str] | None = None, name: str = "f",
         direction: Sequence[str] | None = None, cotangent: Sequence[str] | None = None) -> Emitted:
    """The function's source (see the module). `direction` (forward mode: a JVP) names the
    inputs whose direction components are parameters; `cotangent` (reverse: a VJP) the
    outputs whose cotangents are."""
    if lang not in _LANG:
        raise InputError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    if mode not in ("reverse", "forward"):
        raise InputError("emit writes --mode reverse or forward")
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise InputError(f"--name {name!r} is not an identifier")
    w = _Writer(graph, _LANG[lang], mode, list(graph.input_at if wrt is None else wrt), name,
                direction, cotangent)
    return w.write()


class _Writer:
    def __init__(self, graph: Graph, lang: Lang, mode: str, wrt: list[str], name: str,
                 direction: Sequence[str] | None, cotangent: Sequence[str] | None) -> None:
        self.g, self.lang, self.mode, self.wrt = graph, lang, mode, wrt
        self.kind = "jvp" if direction is not None else "vjp" if cotangent is not None \
            else "grad"
        base = {"grad": "_grad", "jvp": "_jvp", "vjp": "_vjp"}[self.kind]
        if lang.name == "js":  # fGrad
            self.function = name + base[1].upper() + base[2:]
        else:
            self.function = name + base
        self.names = _Names(graph, lang, self.function)
        self.direction = list(direction or [])
        self.cotangent = list(cotangent or [])
        self.body: list[str] = []
        spell_fn = {"python": lambda f: f"math.{f}"}.get(lang.name)
        self.code = {op: spell(OPS[op], lang.name, spell_fn) for op in OPS}

    # --- small pieces ----------------------------------------------------------------

    def operand(self, a: int) -> str:
        return self.names.node[a] if a >= 0 else literal(self.g.consts[~a], self.lang.name)

    def fill(self, template: str, dst: int) -> str:
        key = self.g.keys[dst]
        ops = [self.operand(a) for a in key[1:]]
        return template.replace("{v}", self.names.node[dst]).format(*ops)

    def line(self, text: str, comment: str = "") -> None:
        end = "" if self.lang.name == "python" else ";"
        self.body.append(text + end + (f"  {self.lang.comment} {comment}" if comment else ""))

    def assign(self, target: str, value: str, comment: str = "", declare: bool = True,
               add: bool = False) -> None:
        op = "+=" if add else "="
        lead = "const " if declare and self.lang.name == "js" and not add else \
            "double " if declare and self.lang.name == "c" and not add else ""
        if self.lang.name == "js" and declare and not add and self._mutable(target):
            lead = "let "
        self.line(f"{lead}{target} {op} {value}", comment)

    def _mutable(self, target: str) -> bool:
        return target in self.accumulated

    # --- the function ----------------------------------------------------------------

    def write(self) -> Emitted:
        g = self.g
        outs = [j for _, j in g.outputs]
        asked = [g.input_at[w] for w in self.wrt]
        sources = [g.input_at[w] for w in self.direction] if self.kind == "jvp" else asked
        sinks = outs if self.kind != "vjp" else [j for o, j in g.outputs if o in self.cotangent]
        from .modes.paths import between

        self.on = between(len(g.keys), g.esrc, g.edst, sources, sinks)
        self.accumulated: set[str] = set()
        self.weights: dict[int, str] = {}
        # a local derivative that more than one pass uses is computed once
        self.shared = (len(sources) > 1 and self.mode == "forward" and self.kind == "grad") \
            or (len(g.outputs) > 1 and self.mode == "reverse" and self.kind == "grad")
        self.forward_sweep()
        if self.mode == "reverse":
            results = self.reverse_sweeps(outs, asked)
        else:
            results = self.forward_sweeps(outs, sources)
        self.results = results
        return self.wrap(results)

    def forward_sweep(self) -> None:
        g, names = self.g, self.names.node
        self.comment("forward: every node's value")
        for i, key in enumerate(g.keys):
            op = key[0]
            if op == "input":
                continue
            if op == "const" or (len(key) == 2 and key[1] < 0):  # a constant output
                self.assign(names[i], literal(g.consts[~key[1]], self.lang.name))
                continue
            code = self.constant_power(i) or self.code[op]
            if code.guard:
                self.guard(i, self.fill(code.guard, i))
            self.assign(names[i], self.fill(code.value, i), node_definition(g, g.nodes[i])
                        if self._named_differently(i) else "")

    def constant_power(self, i: int) -> Code | None:
        """x^c with c a number, as a person writes it: no test of c at run time, the
        guard only what c needs (x != 0 for c < 0, x >= 0 for a fraction), x*x for c = 2,
        and c*x^(c-1) with c - 1 worked out."""
        key = self.g.keys[i]
        if key[0] != "pow" or key[2] >= 0 or key[1] < 0:
            return None
        c = self.g.consts[~key[2]]
        lit = literal(c, self.lang.name)
        whole = c == int(c)
        guard = "" if whole and c >= 0 else "{0} != 0.0" if whole else \
            "{0} >= 0.0" if c > 0 else "{0} > 0.0"
        fn = "math.pow" if self.lang.name == "python" else \
            "Math.pow" if self.lang.name == "js" else "pow"
        value = "{0} * {0}" if c == 2 else f"{fn}({{0}}, {lit})"
        slope = "0.0" if c == 0 else "1.0" if c == 1 else f"{lit} * {{0}}" if c == 2 else \
            f"{lit} * {fn}({{0}}, {literal(c - 1, self.lang.name)})"
        return Code(value, (slope, ""), guard)

    def _named_differently(self, i: int) -> bool:
        return self.names.node[i] != self.g.ids[i]

    def comment(self, text: str) -> None:
        self.body.append(f"{self.lang.comment} {text}")

    def guard(self, i: int, condition: str) -> None:
        g = self.g
        node = g.nodes[i]
        operands = [g.ids[a] if type(a) is int else repr(a) for a in node.args]
        message = (f"math error at node {node.id} = {node_definition(g, node)}: "
                   + value_failure(node.op, "undefined", operands))
        if node.op == "div":
            message = f"math error at node {node.id} = {node_definition(g, node)}: division by zero"
        text = message.replace("\\", "\\\\").replace('"', '\\"')
        if self.lang.name == "python":
            self.body.append(f"if not ({condition}):")
            self.body.append(f'    raise ValueError("{text}")')
        elif self.lang.name == "js":
            self.body.append(f"if (!({condition})) throw new RangeError(\"{text}\");")
        else:
            self.body.append(f"if (!({condition})) return {self.function}_fail(grad, \"{text}\");")

    def weight(self, k: int) -> str:
        """Edge k's local derivative as the language writes it, computed once: a call the
        formula repeats (tanh's stable exp(-2|n|)) gets a local of its own, and so does a
        formula that several passes use (forward mode), named `do_dn_local` for ∂o/∂n."""
        if k in self.weights:
            return self.weights[k]
        g = self.g
        dst = g.edst[k]
        code = self.constant_power(dst) or self.code[g.keys[dst][0]]
        text = self.fill(code.partials[g.edges[k].slot], dst)
        for call in _repeated_calls(text):
            fn = call[:call.index("(")].split(".")[-1]
            temp = self.names.fresh(f"{fn}_{self.names.node[dst]}")
            self.assign(temp, call)
            text = text.replace(call, temp)
        if self.shared and not re.fullmatch(r"[\w.()-]+", text):
            local = self.names.fresh(f"d{self.names.node[dst]}_d{self.names.node[g.esrc[k]]}"
                                     "_local")
            self.assign(local, text, self.edge_comment(k))
            text = local
        self.weights[k] = text
        return text

    def edge_comment(self, k: int) -> str:
        g = self.g
        e = g.edges[k]
        said = f"∂{g.ids[e.dst]}/∂{g.ids[e.src]} = {edge_formula(g, e)}"
        kink = KINKS.get(g.keys[e.dst][0])
        return said + (f"; {kink}" if kink else "")

    def product(self, factor: str | None, w: str) -> str:
        """factor·w with 1s folded (`None` is the seed 1)."""
        if w in ("1.0", "(1.0)"):
            return factor or "1.0"
        if w in ("(-1.0)", "-1.0"):
            return f"-{factor}" if factor else "-1.0"
        if factor is None:
            return w
        return f"{factor} * {self.paren(w)}"

    @staticmethod
    def paren(w: str) -> str:
        simple = re.fullmatch(r"[\w.]+|\([^()]*\)|[\w.]+\([^()]*\)", w)
        return w if simple else f"({w})"

    def sum_into(self, want: str, terms: list[tuple[int, str | None]]) -> str:
        """A new variable set to the first (edge, factor)'s factor·weight, then one `+=`
        statement for each other edge: the chain rule's sum, an edge a line."""
        target = self.names.fresh(want)
        for n, (k, factor) in enumerate(terms):
            self.assign(target, self.product(factor, self.weight(k)), self.edge_comment(k),
                        declare=n == 0, add=n > 0)
            if n > 0:
                self.accumulated.add(target)
        return target

    def reverse_sweeps(self, outs: list[int], asked: list[int]) -> list[str]:
        g, names = self.g, self.names.node
        leaving: list[list[int]] = [[] for _ in g.keys]
        for k, s in enumerate(g.esrc):
            leaving[s].append(k)
        results = []
        pairs: list[tuple[str | None, int | None]] = \
            list(g.outputs) if self.kind != "vjp" else [(None, None)]
        for _, out in pairs:
            if self.kind == "vjp":
                adj: dict[int, str | None] = {}
                for o, j in g.outputs:
                    if o in self.cotangent:
                        adj[j] = self.seed_name(o)
                self.comment("reverse: each node's adjoint c_bar = Σ_o u_o ∂o/∂c, from the "
                             "outputs back")
                label = "{}_bar"
            else:
                assert out is not None
                adj = {out: None}  # None: the seed 1
                label = f"d{names[out]}_d{{}}"
                self.comment(f"reverse: d{names[out]}_dv = ∂{g.ids[out]}/∂v, from "
                             f"{g.ids[out]} back")
            for v in range(len(g.keys) - 1, -1, -1):
                if v in adj or not self.on[v]:
                    continue
                terms = [(k, adj[g.edst[k]]) for k in leaving[v] if g.edst[k] in adj]
                if not terms:
                    continue
                adj[v] = self.sum_into(label.format(names[v]), terms)
            results += [(adj[i] or "1.0") if i in adj else "0.0" for i in asked]
        self._fix_lets()
        return results

    def seed_name(self, output: str) -> str:
        return self.param_names[output]

    def forward_sweeps(self, outs: list[int], sources: list[int]) -> list[str]:
        g, names = self.g, self.names.node
        results_by: dict[tuple[int, int], str] = {}
        entering: list[list[int]] = [[] for _ in g.keys]
        for k, d in enumerate(g.edst):
            entering[d].append(k)
        passes: list[int | None] = [None] if self.kind == "jvp" else list(sources)
        for src in passes:
            if self.kind == "jvp":
                tan: dict[int, str | None] = {g.input_at[w]: self.param_names[w]
                                              for w in self.direction}
                label = "{}_dot"
                self.comment("forward: each node's tangent along the direction")
            else:
                assert src is not None
                tan = {src: None}
                label = f"d{{}}_d{names[src]}"
                self.comment(f"forward: dv_d{names[src]} = ∂v/∂{g.ids[src]}")
            for dst, key in enumerate(g.keys):
                if dst in tan or not self.on[dst] or key[0] in ("input", "const"):
                    continue
                terms = [(k, tan[g.esrc[k]]) for k in entering[dst] if g.esrc[k] in tan]
                if not terms:
                    continue
                tan[dst] = self.sum_into(label.format(names[dst]), terms)
            for j in outs:
                results_by[j, -1 if src is None else src] = (tan[j] or "1.0") if j in tan \
                    else "0.0"
        self._fix_lets()
        if self.kind == "jvp":
            return [results_by[j, -1] for j in outs]
        return [results_by[j, i] for j in outs for i in sources]

    def _fix_lets(self) -> None:
        """JavaScript: a variable that `+=` adds to is declared with let."""
        if self.lang.name != "js":
            return
        for n, text in enumerate(self.body):
            m = re.match(r"const (\w+) = ", text)
            if m and m.group(1) in self.accumulated:
                self.body[n] = "let " + text[len("const "):]

    # --- the frame -------------------------------------------------------------------

    @property
    def param_names(self) -> dict[str, str]:
        if not hasattr(self, "_params"):
            keys = self.direction if self.kind == "jvp" else self.cotangent
            prefix = "v_" if self.kind == "jvp" else "u_"
            self._params = {k: self.names.fresh(prefix + k.replace(".", "_")) for k in keys}
        return self._params

    def wrap(self, results: list[str]) -> Emitted:
        g = self.g
        ins = [self.names.node[i] for _, i in g.inputs]
        extra = list(self.param_names.values())
        outs = [self.names.node[j] for _, j in g.outputs]
        out_keys = tuple(o for o, _ in g.outputs)
        return Emitted(_FRAMES[self.lang.name](self, ins, extra, outs, results), self.function,
                       tuple(ins), tuple(extra), out_keys, tuple(self.wrt))

    def what(self) -> str:
        modes = {"reverse": "reverse mode (backpropagation)", "forward": "forward mode"}
        how = {"grad": modes[self.mode],
               "jvp": "a Jacobian-vector product (one forward pass along v)",
               "vjp": "a vector-Jacobian product (one reverse pass from u)"}[self.kind]
        source = "; ".join(line.strip() for line in self.g.source.strip().splitlines()
                           if line.strip() and not line.strip().startswith("#"))
        if len(source) > 60:
            source = source[:57] + "..."
        return f"{source}|Value and derivatives by {how}, written by bpcalc emit."


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
            + "".join(f"    {line}\n" for line in w.body)
            + fill
            + f"    if (!isfinite({value})"
            + "".join(f" || !isfinite(grad[{k}])" for k in range(n)) + ")\n"
            f"        return {w.function}_fail(grad, \"math error: a value or derivative "
            "overflows a double\");\n"
            f"    return {value};\n}}\n")


def _js(w: _Writer, ins: list[str], extra: list[str], outs: list[str],
        results: list[str]) -> str:
    params = ", ".join([*ins, *extra])
    if w.kind == "jvp":
        derivs = "{" + ", ".join(f"{o}: {r}" for o, r in zip([x for x, _ in w.g.outputs],
                                                              results)) + "}"
        key = "jvp"
    elif w.kind == "vjp":
        derivs = "{" + ", ".join(f"{i}: {r}" for i, r in zip(w.wrt, results)) + "}"
        key = "vjp"
    else:
        per = len(w.wrt)
        n_out = len(outs)
        rows = [results[k * per:(k + 1) * per] for k in range(n_out)]  # output-major
        cells = ["{" + ", ".join(f"{i}: {r}" for i, r in zip(w.wrt, row)) + "}" for row in rows]
        derivs = cells[0] if n_out == 1 else "{" + ", ".join(
            f"{o}: {c}" for (o, _), c in zip(w.g.outputs, cells)) + "}"
        key = "grad" if n_out == 1 else "jacobian"
    value = outs[0] if len(outs) == 1 else "{" + ", ".join(
        f"{o}: {v}" for (o, _), v in zip(w.g.outputs, outs)) + "}"
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


_FRAMES = {"python": _python, "c": _c, "js": _js}



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
    total = w.names.fresh("total")
    loss = names[graph.outputs[0][1]]
    lines = [f"def {w.function}({', '.join([*fixed, 'rows'])}):",
             f"    {total} = 0.0", *(f"    {s} = 0.0" for s in sums)]
    unpack = ", ".join(row) + ("," if len(row) == 1 else "")
    lines.append(f"    for {unpack or '_'} in rows:")
    lines += [f"        {line}" for line in w.body]
    lines.append(f"        {total} += {loss}")
    lines += [f"        {s} += {r}" for s, r in zip(sums, w.results)]
    lines.append("    n = len(rows)")
    lines.append(f"    return {total} / n, ({''.join(f'{s} / n, ' for s in sums)})")
    return "import math\n\n\n" + "\n".join(lines) + "\n"


# --- running what was emitted (emit --check, the tests) ----------------------------------

class Ran(NamedTuple):
    values: list[float]  # per output
    derivatives: list[float]  # as the function returns them, flat: output-major


def tool(lang: str) -> str | None:
    """The program that runs `lang` here, or None (Python always runs in-process)."""
    import shutil

    if lang == "python":
        return "python"
    return shutil.which("cc") if lang == "c" else shutil.which("node")


def run(e: Emitted, lang: str, args: Sequence[float], workdir: str) -> Ran:
    """Call the emitted function with `args` (inputs, then direction or cotangent)."""
    import json
    import subprocess
    from pathlib import Path

    n_out = len(e.outputs)
    if lang == "python":
        env: dict[str, object] = {}
        exec(compile(e.code, f"<bpcalc emit {e.function}>", "exec"), env)  # our own code
        value, derivs = env[e.function](*args)  # type: ignore[operator]
        values = list(value) if n_out > 1 else [value]
        return Ran([float(v) for v in values], [float(x) for x in _flat(derivs)])
    folder = Path(workdir)
    if lang == "c":
        n = _count(e)
        several = n_out > 1
        main = (e.code + "\n#include <stdio.h>\n#include <stdlib.h>\n"
                f"int main(int argc, char **argv) {{\n    double grad[{n}];\n"
                f"    double values[{n_out}];\n"
                + (f"    double args[{len(args)}] = {{0}};\n"
                   "    for (int k = 1; k < argc; k++) args[k - 1] = strtod(argv[k], 0);\n"
                   if args else "    (void)argc; (void)argv;\n")
                + f"    values[0] = {e.function}("
                + "".join(f"args[{k}], " for k in range(len(args)))
                + ("values, " if several else "") + "grad);\n"
                + f"    if ({e.function}_error) {{ printf(\"error %s\\n\", {e.function}_error); "
                "return 1; }\n"
                f"    for (int k = 0; k < {n_out}; k++) printf(\"%.17g\\n\", values[k]);\n"
                f"    for (int k = 0; k < {n}; k++) printf(\"%.17g\\n\", grad[k]);\n"
                "    return 0;\n}\n")
        (folder / "f.c").write_text(main)
        done = subprocess.run([tool("c") or "cc", "-std=c99", "-Wall", "-Werror", "-O1", "f.c",
                               "-o", "f", "-lm"], cwd=folder, capture_output=True, text=True)
        if done.returncode:  # a bug in what bpcalc wrote: the check reports it
            raise ValueError("cc rejected it: " + " ".join(done.stderr.split())[:300])
        out = subprocess.run(["./f", *map(repr, args)], cwd=folder, capture_output=True,
                             text=True)
        if out.returncode:
            raise ValueError(out.stdout.strip())
        nums = [float(x) for x in out.stdout.split()]
        return Ran(nums[:n_out], nums[n_out:])
    (folder / "f.mjs").write_text(e.code)
    script = (f"import {{{e.function}}} from './f.mjs';\n"
              f"const r = {e.function}(...{json.dumps(list(args))});\n"
              "console.log(JSON.stringify(r));\n")
    (folder / "run.mjs").write_text(script)
    out = subprocess.run([tool("js") or "node", "run.mjs"], cwd=folder, capture_output=True,
                         text=True)
    if out.returncode:  # node prints the thrown error's line among others
        said = [ln for ln in out.stderr.splitlines() if re.match(r"\w*Error: ", ln)]
        raise ValueError(said[0].strip() if said else out.stderr.strip() or "node failed")
    r = json.loads(out.stdout)
    key = next(k for k in r if k != "value")
    values = list(r["value"].values()) if n_out > 1 else [r["value"]]
    return Ran([float(v) for v in values], [float(x) for x in _flat(r[key])])


def _count(e: Emitted) -> int:
    if e.extra and e.function.endswith("_jvp"):
        return len(e.outputs)
    if e.extra:
        return len(e.wrt)
    return len(e.outputs) * len(e.wrt)


def _flat(x: object) -> list[float]:
    """Numbers of a nested tuple or dict (in order), flat."""
    out: list[float] = []
    stack = [x]
    while stack:
        top = stack.pop()
        if isinstance(top, dict):
            stack.extend(reversed(list(top.values())))
        elif isinstance(top, list | tuple):
            stack.extend(reversed(top))
        else:
            out.append(float(top))  # type: ignore[arg-type]
    return out


class LangCheck(NamedTuple):
    lang: str
    status: str  # "ok", "mismatch", "skipped (...)"
    points: int  # points compared
    worst: float  # largest relative difference from the engine
    note: str = ""


RTOL = 1e-12


def check(program: Analysis, point: dict[str, str | float] | None, *, mode: str = "reverse",
          wrt: Sequence[str] | None = None, outputs: Sequence[str] | None = None,
          vector: bool = False, seed: int = 0) -> tuple[LangCheck, ...]:
    """`emit --check`: the function emitted in every language run (Python in-process, C
    through the system compiler, JavaScript through node, where present) at the point, or
    at up to 5 random points of the domain, and compared with the engine to RTOL. With
    `vector`, the JVP (forward) or VJP (reverse) function, along random vectors."""
    import random
    import tempfile

    from . import analysis
    from .errors import MathError

    graph = program.graph(outputs)
    rng = random.Random(seed)
    names = [n for n, _ in graph.inputs]
    if point:
        points = [analysis.point(graph, point)]
    else:
        points = []
        for _ in range(50):
            p = {n: rng.uniform(0.1, 0.9) for n in names}
            try:
                analysis.grad(graph, p, mode, wrt)
            except MathError:
                continue
            points.append(p)
            if len(points) == 5:
                break
    out_keys = [o for o, _ in graph.outputs]
    wrt_t = list(wrt or graph.input_at)
    found = []
    for lang in LANGS:
        if tool(lang) is None:
            found.append(LangCheck(lang, f"skipped (no {'cc' if lang == 'c' else 'node'} "
                                         "on this machine)", 0, 0.0))
            continue
        kw = {"direction": wrt_t} if vector and mode == "forward" else \
            {"cotangent": out_keys} if vector else {}
        e = emit(graph, lang, mode, wrt_t, **kw)  # type: ignore[arg-type]
        worst, status, note = 0.0, "ok", ""
        with tempfile.TemporaryDirectory() as tmp:
            for p in points:
                r = analysis.grad(graph, p, mode, wrt_t)
                jac = [[r.jacobian[o][w] for w in wrt_t] for o in out_keys]
                extra = [rng.uniform(-1, 1) for _ in e.extra]
                if vector and mode == "forward":
                    want = [sum(row[k] * extra[k] for k in range(len(wrt_t))) for row in jac]
                elif vector:
                    want = [sum(jac[o][k] * extra[o] for o in range(len(out_keys)))
                            for k in range(len(wrt_t))]
                else:
                    want = [x for row in jac for x in row]
                values = [r.values[o] for o in out_keys]
                try:
                    got = run(e, lang, [p[n] for n in names] + extra, tmp)
                except ValueError as exc:
                    status, note = "mismatch", f"it failed at {p}: {exc}"
                    break
                pairs = list(zip(got.values, values)) + list(zip(got.derivatives, want))
                if len(got.derivatives) != len(want):
                    status, note = "mismatch", "it returned the wrong number of derivatives"
                    break
                for a, b in pairs:
                    gap = abs(a - b) / max(1.0, abs(a), abs(b))
                    worst = max(worst, gap)
                if worst > RTOL:
                    status = "mismatch"
        found.append(LangCheck(lang, status, len(points), worst, note))
    return tuple(found)

