/** (a+b)*(b+1)
 *  Value and derivatives by reverse mode (backpropagation), written by bpcalc emit.
 *  Returns {value, grad}; throws RangeError on a math error, naming the
 *  node. */
export function fGrad(a, b) {
  // forward: every node's value
  const c = a + b;
  const d = b + 1.0;
  const e = c * d;
  // reverse: de_dv = ∂e/∂v, from e back
  const de_dd = c;  // ∂e/∂d = c
  const de_dc = d;  // ∂e/∂c = d
  let de_db = de_dc;  // ∂c/∂b = 1
  de_db += de_dd;  // ∂d/∂b = 1
  const de_da = de_dc;  // ∂c/∂a = 1
  if (![e, de_da, de_db].every(Number.isFinite)) {
    throw new RangeError("math error: a value or derivative overflows a double");
  }
  return {value: e, grad: {a: de_da, b: de_db}};
}
