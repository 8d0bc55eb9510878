"""The code of one line shape (shapes.py): the interpreter's sink that writes, instead of
making nodes, the lines of a small function that feeds the builder one line's atoms."""

from __future__ import annotations

import re

from ..ops import OPS
from ..text.parser import Apply, Name, Program


class Fallback(Exception):
    """This text needs the parser."""


class Code:
    """A sink for the interpreter (builder.run) that writes the lines of a shape's function
    instead of making nodes: `at` holds the line's atoms, placeholder `_j` is `at[j]`."""

    def __init__(self) -> None:
        self.body: list[str] = []

    def literal(self, value: float) -> str:
        raise Fallback  # never: every number is an atom, so a placeholder

    def read(self, name: str) -> str:
        t = f"t{len(self.body)}"
        atom = f"at[{name[1:]}]"
        self.body.append(f"{t} = known({atom})")  # an atom read before: no call
        self.body.append(f"if {t} is None: {t} = rd({atom})")
        return t

    def apply(self, op: str, args: list[str], pos: int) -> str:
        """Make the node (op, *args) unless it exists, or fold it when every operand is a
        constant; the variable that holds it."""
        t = f"t{len(self.body)}"
        consts = " and ".join(f"{a} < 0" for a in args)
        self.body.append(f"k = ('{op}', {', '.join(args)},)")
        self.body.append(f"{t} = fold(k) if {consts} else make(k)")
        return t

    def assign(self, name: str, value: str) -> None:
        """Builder.assign, once the atom is known to be a name."""
        self.body.append(f"n = at[{name[1:]}]")
        self.body.append("if n[0] <= '9' or n in RESERVED: fail()")
        self.body.append(f"names[n] = {value}")
        self.body.append(f"assign(n, {value})")


_PLACEHOLDER = re.compile(r"_\d+")


def only_table_ops_and_placeholders(program: Program) -> bool:
    """What the compiled code is made of: op names from the table and the placeholders'
    numbers. The program's own text never reaches exec (its atoms are passed as data)."""
    for st in program.statements:
        if st.target is not None and not _PLACEHOLDER.fullmatch(st.target):
            return False
        if st.update is not None and st.update not in OPS:
            return False
        for ins in st.code:
            if type(ins) is Apply and ins.op not in OPS:
                return False
            if type(ins) is Name and not _PLACEHOLDER.fullmatch(ins.name):
                return False
            if type(ins) not in (Apply, Name):
                return False  # a number: never, every number is an atom
    return True
