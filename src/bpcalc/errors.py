"""The error hierarchy. The CLI catches BpcalcError and maps it to an exit status."""

from __future__ import annotations


class BpcalcError(Exception):
    """Base of every error bpcalc reports to a user; `exit_code` is the process status."""

    exit_code = 2


class InputError(BpcalcError):
    """Bad input: the user must change what they typed (exit status 2)."""


class ParseError(InputError):
    """A syntax error at a position of the source text."""

    label = "syntax error"

    def __init__(self, message: str, source: str, pos: int, hint: str = "",
                 retry: str = "") -> None:
        self.message, self.source, self.pos, self.hint = message, source, pos, hint
        self.retry = retry  # the arguments of the command meant: `"y = x^2" x=3`
        super().__init__(self.render())

    def location(self) -> tuple[int, int, str]:
        """(line, column, line text), both 1-based, for the offending position."""
        start = self.source.rfind("\n", 0, self.pos) + 1
        end = self.source.find("\n", self.pos)
        end = len(self.source) if end < 0 else end
        line = self.source.count("\n", 0, self.pos) + 1
        return line, self.pos - start + 1, self.source[start:end]

    def render(self, command: str = "grad") -> str:
        """The message, the line with a caret under the place, and the hint; `command`
        names the command a retry line suggests."""
        line, col, text = self.location()
        where = f"line {line}, column {col}" if "\n" in self.source else f"column {col}"
        caret = "  " + " " * (col - 1) + "^"
        lines = [f"{self.label} at {where}: {self.message}", "  " + text, caret]
        if self.hint:
            lines.append(self.hint)
        if self.retry:
            lines.append(f"did you mean: bpcalc {command} {self.retry}")
        return "\n".join(lines)


class ProgramError(ParseError):
    """A program that reads well but asks for what is not there: an index out of range, a
    shape that disagrees, a range that cannot be inferred (with a caret, as a syntax error)."""

    label = "error"


class MathError(BpcalcError):
    """The graph is well formed but an operation fails at the given point (exit status 1)."""

    exit_code = 1
