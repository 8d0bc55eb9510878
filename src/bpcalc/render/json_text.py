"""Result -> JSON text in the spec's schema: integers where exact, never NaN or infinity."""

from __future__ import annotations

import json
from typing import Any

_EXACT = 2.0**53


def _number(x: float) -> float | int:
    return int(x) if x.is_integer() and -_EXACT < x < _EXACT else x


def normalize(obj: Any) -> Any:
    """Integral floats below 2^53 become ints (`6`, not `6.0`); the schema is a few levels deep.
    Floats and strings inside a dict or list are handled in place: a million-node result
    has millions of them."""
    t = type(obj)
    if t is float:
        return _number(obj)
    if t is dict:
        return {k: _number(v) if type(v) is float else v if type(v) is str else normalize(v)
                for k, v in obj.items()}
    if t is list:
        return [_number(v) if type(v) is float else v if type(v) is str else normalize(v)
                for v in obj]
    return obj


def render(data: dict[str, Any], pretty: bool = False) -> str:
    """One JSON object; `allow_nan=False` makes a stray NaN a loud bug, not bad JSON."""
    return json.dumps(normalize(data), indent=2 if pretty else None, allow_nan=False)
