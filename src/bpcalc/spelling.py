"""How source code spells an op table row (`ops.Code`): its `@sin(...)` placeholders made
each language's own math function. The rows hold the spellings; this fills them in."""

from __future__ import annotations

import re
from collections.abc import Callable

from .ops import Code, Op

LANGUAGES = ("python", "c", "js")
_FUNCTION = re.compile(r"@(\w+)")
_C_NAMES = {"abs": "fabs"}


def spell(op: Op, language: str, function: Callable[[str], str] | None = None) -> Code:
    """The row's code in `language` ("python", "c" or "js"), `@fn` replaced by that
    language's math function: `math.sin` (or `function("sin")` when given), `sin`, or
    `Math.sin`. Operands stay `{0}`, `{1}` and the node's own value `{v}`."""
    if language == "python":
        name = function or (lambda f: f"math.{f}")
        code = op.py or op.code
    elif language == "c":
        name, code = (lambda f: _C_NAMES.get(f, f)), op.code
    elif language == "js":
        name, code = (lambda f: f"Math.{f}"), op.code
    else:
        raise ValueError(f"no spelling for the language {language!r}")

    def fill(text: str) -> str:
        return _FUNCTION.sub(lambda m: name(m.group(1)), text)

    guard = fill(code.guard)
    if language == "python":
        guard = guard.replace("&&", "and").replace("||", "or")
    return Code(fill(code.value), tuple(fill(p) for p in code.partials), guard)
