"""The emitted function's statements (`_Writer`): names, the forward sweep, and each
pass's statements in the order of grad's tables; the languages' frames are frames.py."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ..errors import InputError
from ..graphs.builder import value_failure
from ..graphs.graph import PLAIN_DIGITS, Graph, edge_formula, node_definition
from ..ops import OPS, Code
from ..spelling import spell
from .names import Namer
from .spelled import constant_power, literal, product, repeated_calls, risky

LANGS = ("python", "c", "js")
KINKS = {"relu": "relu'(0) is taken as 0", "abs": "abs'(0) is taken as 0",
         "max": "at a tie each side gets 0.5", "min": "at a tie each side gets 0.5"}


class Lang(NamedTuple):
    name: str
    comment: str  # line comment marker


_LANG = {"python": Lang("python", "#"), "c": Lang("c", "//"), "js": Lang("js", "//")}


class _Names(Namer):
    """Identifiers for nodes and derivatives (names.py): `node[i]` is node i's."""

    def __init__(self, graph: Graph, lang: Lang, function: str) -> None:
        declared = [function, f"{function}_error", f"{function}_fail"] if lang.name == "c" \
            else [function]
        super().__init__(lang.name, declared)
        self.node = self.ids(graph.ids)


def _reached(sources: list[int], leaving: list[list[int]], edst: list[int],
             on: Sequence[bool]) -> list[int]:
    """The nodes the sources reach through nodes that are `on`, in evaluation order: a
    forward pass visits these alone (a pass per input of a wide program stays short)."""
    seen = set(sources)
    stack = list(sources)
    while stack:
        for k in leaving[stack.pop()]:
            d = edst[k]
            if on[d] and d not in seen:
                seen.add(d)
                stack.append(d)
    return sorted(seen)


class Emitted(NamedTuple):
    code: str
    function: str
    inputs: tuple[str, ...]  # parameter names, in order (the program's inputs)
    extra: tuple[str, ...]  # a JVP's direction or a VJP's cotangent parameters
    outputs: tuple[str, ...]
    wrt: tuple[str, ...]
    kind: str = "grad"  # "grad", "jvp" (one J·v per output) or "vjp" (one uᵀJ per input)


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
        from ..modes.paths import between

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
        codes = [None if key[0] in ("input", "const") or (len(key) == 2 and key[1] < 0)
                 else constant_power(g, i, self.lang.name) or self.code[key[0]]
                 for i, key in enumerate(g.keys)]
        used = self.used_values(codes)
        for i, key in enumerate(g.keys):
            code = codes[i]
            if key[0] == "input" or not (used[i] or code and code.guard):
                continue
            if code is None:  # a constant output
                self.assign(names[i], literal(g.consts[~key[1]], self.lang.name))
                continue
            if code.guard:
                self.guard(i, self.fill(code.guard, i))
            if used[i]:
                self.assign(names[i], self.fill(code.value, i), node_definition(g, g.nodes[i])
                            if self._named_differently(i) else "")

    def used_values(self, codes: Sequence[Code | None]) -> list[bool]:
        """The nodes whose value the function reads: the outputs, and the operands of an
        output's ancestors and of every node with a guard. A statement no output needs is
        not written (C would warn of an unused variable), but its guard is, with the values
        it tests: the function fails where `bpcalc grad` fails."""
        g = self.g
        used = [False] * len(g.keys)
        for _, j in g.outputs:
            used[j] = True
        for i, code in enumerate(codes):
            if code is not None and code.guard:
                for a in g.keys[i][1:]:
                    if a >= 0:
                        used[a] = True
        for src, dst in zip(reversed(g.esrc), reversed(g.edst)):
            if used[dst]:
                used[src] = True
        return used

    def _named_differently(self, i: int) -> bool:
        """Whether the code's name is not the graph's id (v3 for v₁ is the same name)."""
        return self.names.node[i] != self.g.ids[i].translate(PLAIN_DIGITS)

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
        formula that several passes use (forward mode), named `do_dn_local` for ∂o/∂n. A
        `risky` one is written where it is used, behind its factor's test for zero."""
        if k in self.weights:
            return self.weights[k]
        g = self.g
        dst = g.edst[k]
        code = constant_power(g, dst, self.lang.name) or self.code[g.keys[dst][0]]
        text = self.fill(code.partials[g.edges[k].slot], dst)
        if risky(g, dst):
            self.weights[k] = text
            return text
        for call in repeated_calls(text):
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

    def sum_into(self, want: str, terms: list[tuple[int, str | None]],
                 start: Sequence[str] = ()) -> str:
        """A new variable set to the first (edge, factor)'s factor·weight, then one `+=`
        statement for each other edge: the chain rule's sum, an edge a line. `start`: the
        cotangents the sum begins with (a VJP's output that feeds another output)."""
        target = self.names.fresh(want)
        if start:
            self.assign(target, " + ".join(start), "this output's own cotangent")
        for n, (k, factor) in enumerate(terms, start=1 if start else 0):
            w = self.weight(k)
            self.assign(target, product(factor, w, risky(self.g, self.g.edst[k]), self.lang.name),
                        self.edge_comment(k), declare=n == 0, add=n > 0)
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
        seeds: dict[int, list[str]] = {}  # a VJP's cotangents, by output node
        for o, j in g.outputs:
            if self.kind == "vjp" and o in self.cotangent:
                seeds.setdefault(j, []).append(self.param_names[o])
        for _, out in pairs:
            if self.kind == "vjp":
                adj: dict[int, str | None] = {}
                self.comment("reverse: each node's adjoint c_bar = Σ_o u_o ∂o/∂c, from the "
                             "outputs back")
                label = "{}_bar"
            else:
                assert out is not None
                adj = {out: None}  # None: the seed 1
                label = f"d{names[out]}_d{{}}"
                self.comment(f"reverse: d{names[out]}_dN = ∂{g.ids[out]}/∂N for each node N, "
                             f"from {g.ids[out]} back")
            for v in range(len(g.keys) - 1, -1, -1):
                if v in adj or not self.on[v]:
                    continue
                terms = [(k, adj[g.edst[k]]) for k in leaving[v] if g.edst[k] in adj]
                own = seeds.get(v, [])
                if not terms and len(own) < 2:
                    if own:
                        adj[v] = own[0]
                    continue
                adj[v] = self.sum_into(label.format(names[v]), terms, own)
            results += [(adj[i] or "1.0") if i in adj else "0.0" for i in asked]
        self._fix_lets()
        return results

    def forward_sweeps(self, outs: list[int], sources: list[int]) -> list[str]:
        g, names = self.g, self.names.node
        results_by: dict[tuple[int, int], str] = {}
        entering: list[list[int]] = [[] for _ in g.keys]
        leaving: list[list[int]] = [[] for _ in g.keys]
        for k, (s, d) in enumerate(zip(g.esrc, g.edst)):
            entering[d].append(k)
            leaving[s].append(k)
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
            for dst in _reached(list(tan), leaving, g.edst, self.on):  # in evaluation order
                if dst in tan:
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
            self._params = {k: self.names.fresh(prefix + k) for k in keys}
        return self._params

    def wrap(self, results: list[str]) -> Emitted:
        g = self.g
        ins = [self.names.node[i] for _, i in g.inputs]
        extra = list(self.param_names.values())
        outs = [self.names.node[j] for _, j in g.outputs]
        out_keys = tuple(o for o, _ in g.outputs)
        from .frames import FRAMES

        return Emitted(FRAMES[self.lang.name](self, ins, extra, outs, results), self.function,
                       tuple(ins), tuple(extra), out_keys, tuple(self.wrt), self.kind)

    def what(self) -> str:
        modes = {"reverse": "reverse mode (backpropagation)", "forward": "forward mode"}
        how = {"grad": modes[self.mode],
               "jvp": "a Jacobian-vector product (one forward pass along v)",
               "vjp": "a vector-Jacobian product (one reverse pass from u)"}[self.kind]
        # the program without its comments (any text: a `*/` or `"""` would end the doc
        # comment), so only the language's own characters, which no doc comment minds
        text = re.sub(r"\\\n", " ", re.sub(r"#[^\n]*", "", self.g.source))
        source = "; ".join(line.strip() for line in text.splitlines() if line.strip())
        if len(source) > 60:
            source = source[:57] + "..."
        return f"{source}|Value and derivatives by {how}, written by bpcalc emit."
