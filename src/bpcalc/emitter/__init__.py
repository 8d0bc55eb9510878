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
node table names it), each made an identifier the language leaves free (names.py:
`class` is `class_`, `x.0` is `x_0`); a derivative is `dN_dD`, ∂N/∂D: reverse mode names
adjoints after the output (`de_dc` is ∂e/∂c), forward mode tangents after the input
(`dc_da` is ∂c/∂a); a JVP's tangents are `c_dot`, a VJP's adjoints `c_bar`. Reverse
statements come in the order of `grad`'s reverse table (nodes from the output back, each
node's edges in order), one statement per edge with a comment quoting it; only nodes
between the chosen inputs and outputs appear, and only values an output needs, so no
variable goes unused. Spellings are the op table's (`spelling.spell`: a new primitive
is still one row); its `guard`s make a domain error raise (Python, JavaScript) or return
NaN with an error message (C) that names the node, as `bpcalc grad` would. Kinks follow
bpcalc's conventions, with a comment where they apply.
"""

from .frames import mean_over_rows
from .running import RTOL, LangCheck, Ran, check, run, tool
from .spelled import literal
from .writer import KINKS, LANGS, Emitted, emit

__all__ = ["KINKS", "LANGS", "RTOL", "Emitted", "LangCheck", "Ran", "check", "emit", "literal",
           "mean_over_rows", "run", "tool"]
