"""``vethlab check FILE``: run an answer to an exercise in every case of its matrix.

    vethlab check FILE [--exercise frame_address|get_packet] [--timeout SECONDS] [--all] [--json]

FILE is a Python file (``.py``) that defines the exercise's function, or a C++ file (``.cpp``)
compiled with the system's compiler against vethlab's stub headers. Exit status: 0 every case
right; 1 some case wrong (or the checker cannot run C++ cases here); 2 the file cannot be
loaded or compiled, defines no function of the exercise's name, or an option is wrong (the
compiler's messages follow the error line).
"""

from __future__ import annotations

from vethlab.cli.common import CommandError, InputError, input_file, integer
from vethlab.exercises import AnswerError, check_file
from vethlab.exercises.cases import EXERCISES
from vethlab.exercises.cpp import CheckerUnavailable

HELP = "check your answer to an exercise (Python or C++) on every Mac, pool and flow"
#: ``--timeout``: whole seconds one case may run.
TIMEOUT = integer(1, 60)


def add_arguments(p) -> None:
    p.add_argument(
        "file",
        metavar="FILE",
        type=input_file,
        help="your answer: a .py file, or a .cpp file (compiled with c++, g++ or clang++)",
    )
    p.add_argument(
        "--exercise",
        choices=EXERCISES,
        default=None,
        help="the exercise (default: the one whose function FILE defines)",
    )
    p.add_argument(
        "--timeout",
        type=TIMEOUT,
        default=2,
        help=f"seconds one case may run, {TIMEOUT} (default 2)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="list every case in the text report, right or wrong (default: the first wrong case of each kind)",
    )


class _Unusable(InputError):
    """An answer that cannot be run: one line, then the compiler's messages if there are."""

    def __init__(self, message: str) -> None:
        head, _, detail = message.partition("\n")
        super().__init__(head)
        self.detail = detail


def run(args):
    try:
        report = check_file(args.file, args.exercise, timeout=args.timeout)
    except AnswerError as err:
        raise _Unusable(str(err)) from None
    except CheckerUnavailable as err:  # this system, not the answer: status 1, one line
        raise CommandError(str(err)) from None
    text = report.text(failures=None) if args.all else report.text()
    return text, report.to_json(), 0 if report.all_passed else 1
