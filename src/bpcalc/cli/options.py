"""The groups of options that reach a command as one object each (common.collect):
where the program comes from, how the result is shown, what SymPy adds to grad.

Plain classes, not NamedTuples: making a NamedTuple class costs about as much as the rest
of a command's own start-up (each field's type is checked, and its code generated), and
these are made at every start, `bpcalc --help` included.
"""

from __future__ import annotations

from typing import Any, TypeVar

G = TypeVar("G", bound="Group")


class Group:
    """Options as one object: the class's annotated names, each with its default unless
    given; `options()` names them."""

    def __init__(self, **given: Any) -> None:
        self.__dict__.update(given)

    @classmethod
    def options(cls) -> tuple[str, ...]:
        return tuple(cls.__annotations__)

    def replace(self: G, **changes: Any) -> G:
        """A copy with `changes`."""
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__, **changes)
        return new

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.options())
        return f"{type(self).__name__}({shown})"


class Source(Group):
    """Where the program and its values come from: EXPR and NAME=VALUE arguments (`args`),
    -f FILE, and --output (--point, --seed and --max-nodes wait in the context's meta)."""

    args: tuple[str, ...] = ()
    file: str | None = None
    outputs: str | None = None


class View(Group):
    """How a result is shown: the format (`chosen` turns auto into table or json), colour,
    the pictures and screenshots to save beside it, and the views' own options."""

    fmt: str = "auto"
    as_json: bool = False
    color: str = "auto"
    svg: str | None = None  # --svg: the graph drawn
    html: str | None = None  # --html: the step-through page
    shot_svg: str | None = None  # --terminal-svg: the text view as a picture
    shot_html: str | None = None  # --terminal-html
    steps: bool = False  # grad --steps
    latex: bool = False  # formulas as LaTeX
    fields: str | None = None  # grad --fields
    label: str = ""  # descend: where the data came from

    def chosen(self) -> View:
        """This view with its format chosen (see common.choose_format)."""
        from .common import choose_format

        return self.replace(fmt=choose_format(self.fmt, self.as_json, self.shot_svg,
                                              self.shot_html))


class Verify(Group):
    """What SymPy adds to grad: --check with its tolerances, --exact, and the time it may
    take."""

    check: bool = False
    rtol: float = 1e-9
    atol: float = 1e-12
    exact: bool = False
    budget: float = 5.0
