"""Programs with families that diff's index formulas and emit's loops are tried on (the tests
test_index_formulas.py and test_emit_loops.py): each a source and its values as NAME=VALUE."""

from __future__ import annotations

# tanh network, biases and a mean squared error over a family output
TANH_NET = ("h[j] = tanh(sum(W[j,i]*x[i] for i) + b[j])\n"
            "o[k] = sigmoid(sum(V[k,j]*h[j] for j))\n"
            "L = mean((o[k] - t[k])^2 for k)",
            {"W[3,2]": "uniform(-1,1)", "b[3]": "normal(0,1)", "V[2,3]": "uniform(-1,1)",
             "x": "[0.3,-0.7]", "t": "[1,0]"})
# softmax and cross-entropy: a family read inside the sum of another's definition
SOFTMAX = ("p[c] = exp(z[c]) / sum(exp(z[k]) for k)\nloss = -sum(t[c]*log(p[c]) for c)",
           {"z[3]": "normal(0,1)", "t": "[0,1,0]"})
# a function, a family read twice, sums of every element, an index read as a number, sizes
FUNCTION = ("sq(u) = u*u\ny[i] = sq(x[i]) * a + x[i]*w[i] for i in 1..n\n"
            "s = sum(y[i] for i) + sum(sq(p) for p in w) + sum(i*x[i] for i)",
            {"n": "4", "x": "normal(0,1)", "a": "0.7", "w[4]": "uniform(-1,1)"})
# a matrix-vector product read through a transpose
TRANSPOSE = ("u[j] = sum(A[i,j]*v[i] for i)\nf = sum(u[j]*u[j] for j) / 2",
             {"A[3,4]": "normal(0,1)", "v[3]": "normal(0,1)"})
# kinks: abs and max of two values
KINKS = ("u[j] = sum(A[i,j]*v[i] for i)\nf = sum(abs(u[j]) + max(u[j], v[j]) for j) / 2",
         {"A[3,3]": "normal(0,1)", "v[3]": "normal(0,1)"})

PROGRAMS = [TANH_NET, SOFTMAX, FUNCTION, TRANSPOSE, KINKS]
