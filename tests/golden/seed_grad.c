#include <math.h>

/* (a+b)*(b+1)
   Value and derivatives by reverse mode (backpropagation), written by bpcalc emit.
   Returns the value of v₃;
   writes 2 numbers to grad, output-major then input order: v₃/a, v₃/b.
   On a math error returns NAN, fills grad with NAN and points
   f_grad_error at the message naming the node. */
const char *f_grad_error = 0;

static double f_grad_fail(double *grad, const char *why) {
    for (int k = 0; k < 2; k++) grad[k] = NAN;
    f_grad_error = why;
    return NAN;
}

double f_grad(double a, double b, double *grad) {
    f_grad_error = 0;
    // forward: every node's value
    double v1 = a + b;
    double v2 = b + 1.0;
    double v3 = v1 * v2;
    // reverse: dv3_dN = ∂v₃/∂N for each node N, from v₃ back
    double dv3_dv2 = v1;  // ∂v₃/∂v₂ = v₁
    double dv3_dv1 = v2;  // ∂v₃/∂v₁ = v₂
    double dv3_db = dv3_dv1;  // ∂v₁/∂b = 1
    dv3_db += dv3_dv2;  // ∂v₂/∂b = 1
    double dv3_da = dv3_dv1;  // ∂v₁/∂a = 1
    grad[0] = dv3_da;
    grad[1] = dv3_db;
    if (!isfinite(v3) || !isfinite(grad[0]) || !isfinite(grad[1]))
        return f_grad_fail(grad, "math error: a value or derivative overflows a double");
    return v3;
}
