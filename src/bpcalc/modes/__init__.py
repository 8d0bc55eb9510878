"""Three ways to accumulate the same edge weights: forward, reverse and sum over paths."""
