/** (a+b)*(b+1)
 *  Value and derivatives by reverse mode (backpropagation), written by bpcalc emit.
 *  Returns {value, grad}; throws RangeError on a math error, naming the
 *  node. */
export function fGrad(a, b) {
  // forward: every node's value
  const v1 = a + b;
  const v2 = b + 1.0;
  const v3 = v1 * v2;
  // reverse: dv3_dN = ∂v₃/∂N for each node N, from v₃ back
  const dv3_dv2 = v1;  // ∂v₃/∂v₂ = v₁
  const dv3_dv1 = v2;  // ∂v₃/∂v₁ = v₂
  let dv3_db = dv3_dv1;  // ∂v₁/∂b = 1
  dv3_db += dv3_dv2;  // ∂v₂/∂b = 1
  const dv3_da = dv3_dv1;  // ∂v₁/∂a = 1
  if (![v3, dv3_da, dv3_db].every(Number.isFinite)) {
    throw new RangeError("math error: a value or derivative overflows a double");
  }
  return {value: v3, grad: {a: dv3_da, b: dv3_db}};
}
