"""Pure functions from a result to text; no renderer computes a derivative."""
