"""Run a job within a time budget: SymPy work that may take unbounded time gives its last
result by the deadline instead of hanging the command. Imports nothing heavy.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

DEFAULT_BUDGET = 5.0  # seconds of wall time for one SymPy job


class Outcome(NamedTuple):
    """What a budgeted job gave: its last result by the deadline.

    status: "ok" (finished), "partial" (some result, not the last: ran out of time),
    "timeout" (nothing in time), "error" (the job raised; `reason` says what)."""

    status: str
    value: Any = None
    reason: str = ""

    def skipped_reason(self) -> str:
        """How a report names a job that gave nothing: `skipped (time budget)`."""
        if self.status == "timeout":
            return "skipped (time budget)"
        return f"skipped (SymPy failed: {self.reason})"


Job = Callable[[], Iterator[Any]]  # yields better and better results; the last one counts


def within_budget(job: Job, budget: float | None = DEFAULT_BUDGET) -> Outcome:
    """Run `job` for at most `budget` seconds of wall time; None runs it inline, unbounded."""
    return start(job, budget).result()


def start(job: Job, budget: float | None = DEFAULT_BUDGET) -> Running:
    """Start `job` now with `budget` seconds; `.result()` waits for it, at most until then.

    Where fork exists (Linux) the job runs in a forked child that is killed at the deadline:
    nothing keeps burning CPU afterwards, a crash deep in SymPy stays in the child, and the
    parent can do other work meanwhile (--check runs finite differences while SymPy works).
    Forking costs about 5 ms. Elsewhere a daemon thread is abandoned at the deadline (it runs
    on in the background until it finishes or the process exits). Results come back
    pickled, so jobs yield plain data (strings, floats, tuples), never SymPy objects."""
    if budget is None:
        return _Inline(job)
    forkable = "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
    if forkable and not multiprocessing.current_process().daemon:  # daemons may not fork
        return _Forked(job, budget)
    return _Threaded(job, budget)


class Running:
    """A started job; call `result()` once."""

    def result(self) -> Outcome:
        raise NotImplementedError


class _Inline(Running):
    def __init__(self, job: Job) -> None:
        self.job = job

    def result(self) -> Outcome:
        results: list[Any] = [None]
        try:
            results.extend(self.job())
        except Exception as exc:  # reported as the job's outcome
            return Outcome("error", results[-1], f"{type(exc).__name__}: {exc}")
        return Outcome("ok", results[-1])


def _child(job: Job, conn: Any) -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))  # SymPy recurses on depth
    try:
        for value in job():
            conn.send(("value", value))
        conn.send(("done", None))
    except BaseException as exc:  # everything goes back to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class _Forked(Running):
    def __init__(self, job: Job, budget: float) -> None:
        ctx = multiprocessing.get_context("fork")
        self.recv, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(job, send), daemon=True)
        self.proc.start()
        send.close()
        self.deadline = time.monotonic() + budget

    def result(self) -> Outcome:
        got, value = False, None
        try:
            while True:
                left = self.deadline - time.monotonic()
                if left <= 0 or not self.recv.poll(left):
                    return Outcome("partial" if got else "timeout", value)
                try:
                    kind, payload = self.recv.recv()
                except EOFError:
                    return Outcome("error", value, "the SymPy worker died")
                if kind == "value":
                    got, value = True, payload
                elif kind == "done":
                    return Outcome("ok", value)
                else:
                    return Outcome("error", value, payload)
        finally:
            if self.proc.is_alive():
                self.proc.terminate()
                self.proc.join(1.0)
                if self.proc.is_alive():
                    self.proc.kill()
            self.proc.join()
            self.recv.close()


class _Threaded(Running):
    def __init__(self, job: Job, budget: float) -> None:
        self.done: list[Outcome] = []
        self.results: list[Any] = []
        self.deadline = time.monotonic() + budget
        self.worker = threading.Thread(target=self._run, args=(job,), daemon=True,
                                       name="bpcalc-sympy")
        self.worker.start()

    def _run(self, job: Job) -> None:
        try:
            for v in job():
                self.results.append(v)
            self.done.append(Outcome("ok", self.results[-1] if self.results else None))
        except Exception as exc:  # reported as the job's outcome
            self.done.append(Outcome("error", self.results[-1] if self.results else None,
                                     f"{type(exc).__name__}: {exc}"))

    def result(self) -> Outcome:
        self.worker.join(max(0.0, self.deadline - time.monotonic()))
        if self.done:
            return self.done[0]
        return Outcome("partial", self.results[-1]) if self.results else Outcome("timeout")
