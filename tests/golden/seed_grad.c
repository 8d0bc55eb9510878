#include <math.h>

/* (a+b)*(b+1)
   Value and derivatives by reverse mode (backpropagation), written by bpcalc emit.
   Returns the value of e;
   writes 2 numbers to grad, output-major then input order: e/a, e/b.
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
    double c = a + b;
    double d = b + 1.0;
    double e = c * d;
    // reverse: de_dv = ∂e/∂v, from e back
    double de_dd = c;  // ∂e/∂d = c
    double de_dc = d;  // ∂e/∂c = d
    double de_db = de_dc;  // ∂c/∂b = 1
    de_db += de_dd;  // ∂d/∂b = 1
    double de_da = de_dc;  // ∂c/∂a = 1
    grad[0] = de_da;
    grad[1] = de_db;
    if (!isfinite(e) || !isfinite(grad[0]) || !isfinite(grad[1]))
        return f_grad_fail(grad, "math error: a value or derivative overflows a double");
    return e;
}
