"""bpcalc: derivatives on computational graphs, forward, reverse and over paths."""

__version__ = "0.1.0"
