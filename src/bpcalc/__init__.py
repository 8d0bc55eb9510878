"""bpcalc: derivatives on computational graphs, forward, reverse and over paths.

The command line's commands as Python functions (see api/ and docs/api.md):

>>> import bpcalc
>>> bpcalc.grad("(a+b)*(b+1)", a=2, b=1, mode="reverse").gradient
{'a': 2.0, 'b': 5.0}

Importing bpcalc loads neither SymPy, rich nor click: a function loads what it needs.
"""

__version__ = "0.1.0"

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
from .errors import BpcalcError, InputError, MathError

__all__ = ["BpcalcError", "Code", "Cost", "Descent", "Diff", "Directional", "Grad", "Graph",
           "Hessian", "InputError", "MathError", "Result", "__version__", "descend", "diff",
           "directional", "emit", "grad", "graph", "hessian"]
