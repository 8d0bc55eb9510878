import math


def f_grad(a, b):
    """(a+b)*(b+1)

    Value and derivatives by reverse mode (backpropagation), written by bpcalc emit.

    Returns (value, gradient), the gradient over a, b.
    """
    # forward: every node's value
    v1 = a + b
    v2 = b + 1.0
    v3 = v1 * v2
    # reverse: dv3_dN = ∂v₃/∂N for each node N, from v₃ back
    dv3_dv2 = v1  # ∂v₃/∂v₂ = v₁
    dv3_dv1 = v2  # ∂v₃/∂v₁ = v₂
    dv3_db = dv3_dv1  # ∂v₁/∂b = 1
    dv3_db += dv3_dv2  # ∂v₂/∂b = 1
    dv3_da = dv3_dv1  # ∂v₁/∂a = 1
    if not all(map(math.isfinite, (v3, dv3_da, dv3_db))):
        raise OverflowError("math error: a value or derivative overflows a double")
    return v3, (dv3_da, dv3_db)
