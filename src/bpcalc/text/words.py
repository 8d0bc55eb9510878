"""The words a program cannot assign: the op table's functions and constants, the
reductions and the words of `for` (kept apart from the parser, so that reading a plain
program imports no more than it needs)."""

from __future__ import annotations

from ..ops import CONSTANTS, FUNCTIONS

REDUCERS = ("sum", "prod", "mean", "max", "min")
KEYWORDS = ("for", "in")
RESERVED = frozenset(FUNCTIONS) | frozenset(CONSTANTS) | frozenset(REDUCERS) | frozenset(KEYWORDS)
