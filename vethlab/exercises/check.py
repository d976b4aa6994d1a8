"""``check``: run an answer in every case of its exercise, and report.

An answer is a Python function (from a notebook), or a file: ``.py`` (run in this process)
or ``.cpp`` (compiled and run in child processes, :mod:`vethlab.exercises.cpp`). The report
says, per case, right or wrong with the offset error; counts the failures by trap; and draws
the memory map of a case's pool with the answer's reads on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from vethlab.exercises.cases import EXERCISES, build_cases, world_for
from vethlab.exercises.cpp import run_cpp
from vethlab.exercises.python import AnswerError, check_signature, load_python, run_python
from vethlab.exercises.verdict import CaseResult
from vethlab.traps import trap_title

__all__ = ["Report", "check", "check_file", "exercise_of"]

#: Per-case lines the text report shows for failures (the JSON has every case).
SHOWN_FAILURES = 12


@dataclass
class Report:
    """What an answer scored: one :class:`CaseResult` per case."""

    exercise: str
    language: str
    results: list[CaseResult]
    worlds: dict = field(repr=False, default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def all_passed(self) -> bool:
        return self.failed == 0

    def by_trap(self) -> dict[int, list[int]]:
        """Trap number → the numbers of the failed cases it explains."""
        out: dict[int, list[int]] = {}
        for r in self.results:
            for number in r.traps:
                out.setdefault(number, []).append(r.case.number)
        return dict(sorted(out.items()))

    def first_failure(self) -> CaseResult | None:
        return next((r for r in self.results if not r.passed), None)

    def to_json(self) -> dict:
        first = self.first_failure()
        return {
            "exercise": self.exercise,
            "language": self.language,
            "cases": len(self.results),
            "passed": self.passed,
            "failed": self.failed,
            "by_trap": {str(k): v for k, v in self.by_trap().items()},
            "first_failure": None
            if first is None
            else {
                "case": first.case.number,
                "parameters": first.case.parameters(),
                "expected": first.expected,
                "got": first.got,
                "offset_error": first.offset_error,
                "message": first.message,
            },
            "results": [r.to_json() for r in self.results],
        }

    def text(self, failures: int | None = SHOWN_FAILURES, rest: str = "--all lists all") -> str:
        """The readable report: the score, the failures by trap, the first ``failures`` wrong
        cases (None: every case, right or wrong, with its offset error)."""
        lines = [
            f"{self.exercise} ({self.language}): {self.passed} of {len(self.results)} cases "
            f"right, {self.failed} wrong"
        ]
        for number, cases in self.by_trap().items():
            lines.append(f"  {trap_title(number)}: {len(cases)} cases")
        unexplained = sum(1 for r in self.results if not r.passed and not r.traps)
        if unexplained:
            lines.append(f"  no trap explains: {unexplained} cases")
        if failures is None:  # every case, right or wrong, with its offset error
            for r in self.results:
                error = "" if r.offset_error is None else f" ({r.offset_error:+d} bytes)"
                verdict = "right" if r.passed else f"wrong: {r.message}"
                lines.append(f"case {r.case.number}: {r.case.describe()}: {verdict}{error}")
            return "\n".join(lines)
        bad = [r for r in self.results if not r.passed]
        shown = _one_of_each_kind(bad, failures)
        for r in shown:
            lines += [f"case {r.case.number}: {r.case.describe()}", f"  wrong: {r.message}"]
        if len(bad) > len(shown):
            like = "" if len(shown) == failures else ", each like one above"
            lines.append(f"... and {len(bad) - len(shown)} more wrong cases{like} ({rest})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return (
            f"<Report {self.exercise} ({self.language}): {self.passed}/{len(self.results)} right>"
        )

    def draw(self, ax=None, case: int | None = None):
        """Draw the memory map of the pool of case ``case`` (default: the first wrong case that
        read inside the pool, else the first wrong one, else case 0), with the answer's reads
        of every case on that pool. Returns ``ax``."""
        from vethlab.pictures.memory_map import draw_memory_map

        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(9, 4.5))
        if case is None:
            wrong = [r for r in self.results if not r.passed]
            inside = [r for r in wrong if r.read_offset is not None]
            chosen = (inside or wrong or self.results)[0]
        else:
            chosen = self.results[case]
        world = world_for(chosen.case, self.worlds)
        same = [
            r
            for r in self.results
            if world_for(r.case, self.worlds) is world and r.read_offset is not None
        ]
        verdict = "right" if chosen.passed else "wrong"
        title = f"case {chosen.case.number} ({verdict}): {chosen.case.describe()}"
        draw_memory_map(
            ax,
            world.pool,
            mapping=world.dext.pool_map or world.pool.dext_mapping,
            host=world.host,
            readings=same,
            highlight=chosen.index,
            title=_wrap(title),
        )
        return ax


def _kind(result: CaseResult) -> tuple:
    """What makes two failures the same mistake: the traps, the offset error, and the message
    with its addresses and offsets left out."""
    return result.traps, result.offset_error, re.sub(r"0x[0-9a-f]+", "", result.message)


def _one_of_each_kind(bad: list[CaseResult], limit: int) -> list[CaseResult]:
    """The first failure of each kind, in case order, at most ``limit``: a report of one
    mistake made in every case shows it once, not ``limit`` times."""
    seen: set = set()
    shown = []
    for r in bad:
        if len(shown) == limit:
            break
        if _kind(r) not in seen:
            seen.add(_kind(r))
            shown.append(r)
    return shown


def _wrap(text: str, width: int = 90) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def exercise_of(path, exercise: str | None = None) -> str:
    """The exercise a file answers: ``exercise`` if given, else the one whose function it
    defines (get_packet if both)."""
    if exercise is not None:
        if exercise not in EXERCISES:
            raise AnswerError(f"exercise {exercise!r} is unknown; allowed: {', '.join(EXERCISES)}")
        return exercise
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise AnswerError(f"{path}: cannot read it: {err.strerror or err}") from None
    for name in reversed(EXERCISES):
        if re.search(rf"\b{name}\s*\(", text):
            return name
    raise AnswerError(f"{path} defines neither {' nor '.join(EXERCISES)}; name one with --exercise")


def check_file(path, exercise: str | None = None, *, timeout: float = 2.0) -> Report:
    """Check the answer in the file ``path`` (``.py`` or ``.cpp``/``.cc``/``.cxx``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".py", ".cpp", ".cc", ".cxx", ".c++"):
        raise AnswerError(f"{path}: allowed: a .py or a .cpp file")
    exercise = exercise_of(path, exercise)
    cases = build_cases(exercise)
    worlds: dict = {}
    if suffix == ".py":
        function = load_python(path, exercise)
        results = run_python(function, cases, timeout=timeout, worlds=worlds)
        return Report(exercise, "Python", results, worlds)
    results = run_cpp(path, cases, timeout=timeout, worlds=worlds, exercise=exercise)
    return Report(exercise, "C++", results, worlds)


def check(answer, exercise: str | None = None, *, draw: bool = True, timeout: float = 2.0):
    """Check an answer from a notebook: a function named ``frame_address`` or
    ``get_packet`` (or a path to a .py or .cpp file). Prints the report, draws the memory map
    of the first wrong case (or case 0) with the answer's reads when ``draw``, and returns the
    :class:`Report`."""
    if isinstance(answer, (str, Path)):
        report = check_file(answer, exercise, timeout=timeout)
    else:
        exercise = exercise or getattr(answer, "__name__", None)
        if exercise not in EXERCISES:
            raise AnswerError(
                f"{getattr(answer, '__name__', answer)!r} is not an exercise; name the "
                f"function {' or '.join(EXERCISES)}, or pass exercise="
            )
        check_signature(answer, exercise)
        cases = build_cases(exercise)
        worlds: dict = {}
        report = Report(
            exercise, "Python", run_python(answer, cases, timeout=timeout, worlds=worlds), worlds
        )
    print(report.text(failures=3, rest="report.results has them all"))
    if draw:
        report.draw()
    return report
