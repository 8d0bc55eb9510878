"""bpcalc: derivatives on computational graphs, forward, reverse and over paths.

The command line's commands as Python functions (see api/ and docs/api.md):

>>> import bpcalc
>>> bpcalc.grad("(a+b)*(b+1)", a=2, b=1, mode="reverse").gradient
{'a': 2.0, 'b': 5.0}

Importing bpcalc loads neither SymPy, rich nor click, nor the API itself until a name of
it is first read (`bpcalc --help` reads none): a function loads what it needs.
"""

from typing import TYPE_CHECKING, Any

from .errors import BpcalcError, InputError, MathError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import (
        Code,
        Cost,
        Descent,
        Diff,
        Directional,
        Grad,
        Graph,
        Hessian,
        Result,
        descend,
        diff,
        directional,
        emit,
        grad,
        graph,
        hessian,
    )

__all__ = ["BpcalcError", "Code", "Cost", "Descent", "Diff", "Directional", "Grad", "Graph",
           "Hessian", "InputError", "MathError", "Result", "__version__", "descend", "diff",
           "directional", "emit", "grad", "graph", "hessian"]


def __getattr__(name: str) -> Any:
    """The API's names, imported when first read (PEP 562)."""
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'bpcalc' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
