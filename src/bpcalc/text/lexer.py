"""Text -> tokens. One regular expression, one loop; positions are kept for error carets.

`1..n` is a number, `..` and a name (a range), never the number `1.`."""

from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import ParseError


class Token(NamedTuple):
    kind: str  # NUM NAME OP SEP END
    text: str
    pos: int


_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\f\v]+|\\\n|\#[^\n]*)
  | (?P<num>(?:\d+(?:\.(?!\.)\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|\.\.|[+\-*/<>]=|[-+*/^(),=<>\[\]])
  | (?P<sep>[\n;])
    """,
    re.VERBOSE | re.ASCII,  # digits are 0-9 only: "٣" is not a number
)


_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def tokenize(source: str) -> list[Token]:
    """Split `source` into tokens; newlines inside parentheses continue the statement."""
    tokens: list[Token] = []
    depth = 0
    pos, end = 0, len(source)
    match = _TOKEN.match
    while pos < end:
        m = match(source, pos)
        if m is None:
            ch = source[pos]
            from .hints import unicode_hint  # only on this error path

            raise ParseError(f"unexpected character {ch!r}", source, pos,
                             hint=unicode_hint(source, pos))
        kind = m.lastgroup
        text = m.group()
        if kind == "num":
            nxt = m.end()
            if nxt < end and (source[nxt].isalpha() or source[nxt] == "_"):
                stop = nxt
                while stop < end and source[stop] in _WORD:
                    stop += 1
                word = source[nxt:stop]
                raise ParseError(
                    "a number cannot be followed by a name (no implicit multiplication)",
                    source, nxt, hint=f"did you mean {text}*{word}?",
                )
            tokens.append(Token("NUM", text, pos))
        elif kind == "name":
            tokens.append(Token("NAME", text, pos))
        elif kind == "op":
            if text in "([":
                depth += 1
            elif text in ")]":
                depth -= 1
            tokens.append(Token("OP", text, pos))
        elif kind == "sep" and not (text == "\n" and depth > 0):
            tokens.append(Token("SEP", text, pos))
        pos = m.end()
    tokens.append(Token("END", "", end))
    return tokens
