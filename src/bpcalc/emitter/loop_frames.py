"""The frame around emit's loops (loops.py) in each language: the function's signature and
comment, its statements laid out (a loop whose body is one statement on one line in C and
JavaScript), and what it returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .loops import _Writer


class Family(NamedTuple):
    name: str
    shape: tuple[int, ...]


class LoopCode(NamedTuple):
    code: str
    function: str
    params: tuple[Family, ...]  # the inputs, each family (or scalar: shape ()) once
    wrt: tuple[Family, ...]  # the gradient's families, in order
    output: str


class Loop(NamedTuple):
    var: str
    lo: int
    hi: int
    body: list[Loop | str]


def _lines(items: Sequence[Loop | str], lang: str, depth: int) -> list[str]:
    """Statements as text: a loop whose body is one statement or one loop goes without
    braces in C and JavaScript (`for (...) s += x;`)."""
    pad = ("    " if lang != "js" else "  ") * depth
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(pad + item)
            continue
        v, lo, hi, body = item
        if lang == "python":
            out.append(f"{pad}for {v} in range({hi if lo == 1 else f'{lo - 1}, {hi}'}):")
            out += _lines(body, lang, depth + 1)
            continue
        head = f"for ({'int' if lang == 'c' else 'let'} {v} = {lo - 1}; {v} < {hi}; {v}++)"
        if len(body) == 1 and isinstance(body[0], str):
            out.append(f"{pad}{head} {body[0]}")
        elif len(body) == 1:
            out += [pad + head, *_lines(body, lang, depth + 1)]
        else:
            out += [f"{pad}{head} {{", *_lines(body, lang, depth + 1), pad + "}"]
    return out


def _call(head: str, args: Sequence[str], tail: str, pad: str) -> str:
    """`head(args)tail`, the arguments filling lines of up to 100 characters."""
    if not args:
        return head + "()" + tail
    lines = [head + "("]
    for k, a in enumerate(args):
        piece = a + (", " if k < len(args) - 1 else ")" + tail)
        if len(lines[-1]) + len(piece.rstrip()) > 100 and lines[-1].strip() not in ("", "("):
            lines[-1] = lines[-1].rstrip()
            lines.append(pad)
        lines[-1] += piece
    return "\n".join(lines)


def frame(w: _Writer, lang: str, function: str, params: Sequence[Family],
           wrt: Sequence[Family], source: str) -> str:
    out = w.id[w.block.output]
    grads = [w.id["∂" + g.name] for g in wrt]
    what = (f"The value of {w.block.output} and its gradient by reverse mode, a family a "
            "loop (bpcalc emit).")
    body = "".join(line + "\n" for line in _lines(w.top, lang, 1))
    over = ", ".join(g.name for g in wrt)
    if lang == "python":
        return (("import math\n\n\n" if "math." in body else "")
                + _call(f"def {function}", [w.id[p.name] for p in params], ":\n", "        ")
                + f'    """{what}\n'
                "    Families are nested lists indexed from 0 (W[j][i] is W[j+1,i+1]).\n"
                f"    Returns (value, gradient), the gradient over {over}.\"\"\"\n"
                + body
                + _call(f"    return {out}, ", grads[:-1] + [g + "," for g in grads[-1:]]
                        if len(grads) == 1 else grads, "\n", "            "))
    if lang == "c":
        ps = [f"const double {w.id[p.name]}{''.join(f'[{n}]' for n in p.shape)}" if p.shape
              else f"double {w.id[p.name]}" for p in params]
        ps += [f"double {g}{''.join(f'[{n}]' for n in f.shape)}" if f.shape else
               f"double *{g}" for g, f in zip(grads, wrt)]
        return ("#include <math.h>\n\n"
                + f"/* {what}\n"
                "   Arrays are indexed from 0 (W[j][i] is W[j+1,i+1]). Returns the value;\n"
                f"   writes the gradient over {over} to the arrays passed. */\n"
                + _call(f"double {function}", ps, " {\n", "        ") + body
                + f"    return {out};\n}}\n")
    keys = ", ".join(f"{f.name}: {g}" for g, f in zip(grads, wrt))
    return (f"/** {what}\n"
            " *  Arrays are indexed from 0 (W[j][i] is W[j+1,i+1]). Returns {value, grad}. */\n"
            + _call(f"export function {function}", [w.id[p.name] for p in params], " {\n",
                    "    ")
            + body
            + f"  return {{value: {out}, grad: {{{keys}}}}};\n}}\n")
