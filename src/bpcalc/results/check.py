"""What `grad --check` found: every gradient entry three ways, and the modes compared."""

from __future__ import annotations

from typing import Any, NamedTuple


class Entry(NamedTuple):
    """One gradient entry d(output)/d(input), checked."""

    output: str
    input: str
    ad: float
    fd: float | None  # None where the function is undefined a step away, or out of time
    fd_error: float | None
    fd_step: float | None
    symbolic: float | None  # None when SymPy was skipped or gives no finite real here
    symbolic_exact: str | None
    tolerance: float  # what |ad - symbolic| may be
    verdict: str  # "ok", "mismatch", "kink", "skipped"
    note: str = ""

    @property
    def diff_symbolic(self) -> float | None:
        return None if self.symbolic is None else self.ad - self.symbolic

    @property
    def diff_fd(self) -> float | None:
        return None if self.fd is None else self.ad - self.fd

    @property
    def fd_agrees(self) -> bool | None:
        """Whether FD agrees within its own error estimate (3x) and the tolerance."""
        if self.fd is None or self.fd_error is None:
            return None
        return abs(self.ad - self.fd) <= self.tolerance + 3.0 * self.fd_error

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "ad": self.ad, "fd": self.fd, "fd_error": self.fd_error, "fd_step": self.fd_step,
            "symbolic": self.symbolic, "symbolic_exact": self.symbolic_exact,
            "diff_fd": self.diff_fd, "diff_symbolic": self.diff_symbolic,
            "fd_agrees": self.fd_agrees, "tolerance": self.tolerance, "verdict": self.verdict,
        }
        if self.note:
            d["note"] = self.note
        return d


class ModeCheck(NamedTuple):
    mode: str
    status: str  # "ok", "mismatch", "skipped (paths truncated)"
    max_diff: float | None  # largest |this mode's entry - the chosen mode's entry|


class CheckResult(NamedTuple):
    expression: str
    mode: str  # the AD mode checked
    rtol: float
    atol: float
    budget: float | None
    symbolic: str  # "ok", or "skipped (time budget)", "skipped (SymPy failed: ...)"
    entries: tuple[Entry, ...]  # output-major, then wrt order
    modes: tuple[ModeCheck, ...]
    kinks: tuple[str, ...]  # the engine's kink warnings at the point

    @property
    def passed(self) -> bool:
        """No entry where AD and SymPy disagree (kinks and skips are not failures), and the
        AD modes agree."""
        return (all(e.verdict != "mismatch" for e in self.entries)
                and all(m.status != "mismatch" for m in self.modes))

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        """The `check` JSON object."""
        jac: dict[str, dict[str, Any]] = {}
        for e in self.entries:
            jac.setdefault(e.output, {})[e.input] = e.to_dict()
        d: dict[str, Any] = {
            "passed": self.passed, "mode": self.mode, "rtol": self.rtol, "atol": self.atol,
            "budget": self.budget, "symbolic": self.symbolic,
            "modes": {m.mode: {"status": m.status, "max_diff": m.max_diff} for m in self.modes},
            "jacobian": jac,
        }
        if len(jac) == 1:
            d["gradient"] = next(iter(jac.values()))
        d["kinks"] = list(self.kinks)
        return d
