import math


def f_grad(a, b):
    """(a+b)*(b+1)

    Value and derivatives by reverse mode (backpropagation), written by bpcalc emit.

    Returns (value, gradient), the gradient over a, b.
    """
    # forward: every node's value
    c = a + b
    d = b + 1.0
    e = c * d
    # reverse: de_dv = ∂e/∂v, from e back
    de_dd = c  # ∂e/∂d = c
    de_dc = d  # ∂e/∂c = d
    de_db = de_dc  # ∂c/∂b = 1
    de_db += de_dd  # ∂d/∂b = 1
    de_da = de_dc  # ∂c/∂a = 1
    if not all(map(math.isfinite, (e, de_da, de_db))):
        raise OverflowError("math error: a value or derivative overflows a double")
    return e, (de_da, de_db)
