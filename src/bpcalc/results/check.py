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
    # at a kink: the one-sided finite differences from the left and the right (AD must
    # lie between them), None elsewhere or where a side is undefined
    fd_left: float | None = None
    fd_right: float | None = None

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
        if self.fd_left is not None:
            d["fd_left"], d["fd_right"] = self.fd_left, self.fd_right
        return d


class LocalCheck(NamedTuple):
    """Each local derivative against central differences of its own op: the edge that is
    furthest off, where a wrong gradient most likely comes from."""

    checked: int  # edges compared (not those at a kink, or undefined a step away)
    src: str
    dst: str
    formula: str
    ad: float
    fd: float
    fd_error: float
    agrees: bool  # within 3 FD error estimates and 1e-9 relative

    def to_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "worst": {
            "from": self.src, "to": self.dst, "local": self.formula, "ad": self.ad,
            "fd": self.fd, "fd_error": self.fd_error, "agrees": self.agrees}}


class DirectionCheck(NamedTuple):
    """JAX's check_grads test: for random u and v, uᵀ(J v) by a forward pass along v
    equals (uᵀ J) v by a reverse pass from u."""

    seed: int
    jvp: float  # u·(J v)
    vjp: float  # (uᵀ J)·v
    tolerance: float

    @property
    def status(self) -> str:
        return "ok" if abs(self.jvp - self.vjp) <= self.tolerance else "mismatch"

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "u_jv": self.jvp, "ut_j_v": self.vjp,
                "tolerance": self.tolerance, "status": self.status}


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
    local: LocalCheck | None = None  # None: no edge could be compared
    direction: DirectionCheck | None = None
    notes: tuple[str, ...] = ()  # where finite differences cannot judge, and why

    @property
    def passed(self) -> bool:
        """No entry where AD and SymPy disagree or AD leaves the one-sided differences at
        a kink (kinks and skips are not failures), the AD modes agree, and so do JVP and
        VJP."""
        return (all(e.verdict != "mismatch" for e in self.entries)
                and all(m.status != "mismatch" for m in self.modes)
                and (self.direction is None or self.direction.status == "ok"))

    @property
    def failures(self) -> list[str]:
        """What failed, in words (empty when the check passed)."""
        said = []
        if any(e.verdict == "mismatch" and e.fd_left is None for e in self.entries):
            said.append("AD and SymPy disagree")
        if any(e.verdict == "mismatch" and e.fd_left is not None for e in self.entries):
            said.append("AD is outside the one-sided derivatives at a kink")
        if any(m.status == "mismatch" for m in self.modes):
            said.append("the modes disagree")
        if self.direction is not None and self.direction.status != "ok":
            said.append("JVP and VJP disagree")
        return said

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
        d["local"] = None if self.local is None else self.local.to_dict()
        d["direction"] = None if self.direction is None else self.direction.to_dict()
        d["notes"] = list(self.notes)
        return d
