"""Options shared by several commands, and the types that check every option at parse time.

Each type is an argparse ``type=``: it turns the text of an option into the value the command
uses, or raises :class:`argparse.ArgumentTypeError` with a message that names the value and
what is allowed. :class:`ArgumentParser` prints that as one line on stderr,
``vethlab ping: error: argument --count/-c: -1 is out of range; allowed: 0..5000``, and
exits with status 2 (the input cannot be used), before any work is done.

Nothing here opens, creates or writes a file: the path types only look at what is there.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from vethlab.model.machine import PROFILES, SEGMENT_SIZES

__all__ = [
    "ArgumentParser",
    "CommandError",
    "silence",
    "one_line",
    "IntegerRange",
    "IntegerChoice",
    "IntegerList",
    "integer",
    "integer_choice",
    "integer_list",
    "output_file",
    "folder",
    "SEED",
    "machine_options",
]


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line on stderr (no usage block) and status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")

    def _print_message(self, message, file=None):
        # argparse's own ignores an OSError, so `vethlab --help > /dev/full` would say nothing
        # and exit 0; let it through for main() to report (not for stderr: nowhere to say it).
        if not message:
            return
        file = file or sys.stderr
        try:
            file.write(message)
            file.flush()
        except (OSError, AttributeError):
            if file is sys.stdout:
                raise
            silence(file)


def silence(stream) -> None:
    """Send what is left of ``stream`` (stdout or stderr) to the null device, so that Python's
    own flush at exit does not fail again on a full or closed file."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError, AttributeError):  # no descriptor: a test's capture, or None
        return


class CommandError(Exception):
    """The run cannot go on, for a reason that is neither the simulated Mac's nor a bad option
    (e.g. ``--tap`` on a machine without TAP devices): exit status 1, the message on one line."""


class InputError(Exception):
    """The input cannot be used, found only when the run reads it (a file whose lines do not
    parse): exit status 2, the message on one line."""


def one_line(text: str) -> str:
    """``text`` with its line breaks made spaces: an error is one line on stderr."""
    return " ".join(str(text).splitlines())


def _show(text: str, limit: int | None = 40) -> str:
    """The value as the user typed it, quoted, shortened if it is long (never a path)."""
    return repr(text if limit is None or len(text) <= limit else text[:limit] + "...")


def _parse_int(text: str, allowed: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"{_show(str(text))} is not a whole number; allowed: {allowed}"
        ) from None


class IntegerRange:
    """The type of an integer option from ``low`` to ``high``, both included.

    ``str()`` of it is ``"low..high"``, for help texts."""

    def __init__(self, low: int, high: int) -> None:
        if low > high:
            raise ValueError(f"empty range {low}..{high}")
        self.low, self.high = low, high
        self.__name__ = "integer"

    def __str__(self) -> str:
        return f"{self.low}..{self.high}"

    def __repr__(self) -> str:
        return f"integer({self.low}, {self.high})"

    def __call__(self, text: str) -> int:
        value = _parse_int(text, str(self))
        if not self.low <= value <= self.high:
            raise argparse.ArgumentTypeError(f"{value} is out of range; allowed: {self}")
        return value


def integer(low: int, high: int) -> IntegerRange:
    """The type of an integer option from ``low`` to ``high`` (both included)."""
    return IntegerRange(low, high)


#: ``--seed``: a 32-bit unsigned seed.
SEED = integer(0, 0xFFFF_FFFF)


class IntegerChoice:
    """The type of an integer option that takes one of ``values``; ``str()``: ``"a or b"``."""

    def __init__(self, values) -> None:
        self.values = tuple(values)
        self.__name__ = "integer"

    def __str__(self) -> str:
        return " or ".join(str(v) for v in self.values)

    def __call__(self, text: str) -> int:
        value = _parse_int(text, str(self))
        if value not in self.values:
            raise argparse.ArgumentTypeError(f"{value} is not allowed; allowed: {self}")
        return value


def integer_choice(values) -> IntegerChoice:
    """The type of an integer option that takes one of ``values``."""
    return IntegerChoice(values)


class IntegerList:
    """The type of a comma-separated list of 1 to ``most`` integers, each ``low..high``.

    Returns the list written back as text (``"32,4096"``), the form the option has always had."""

    def __init__(self, low: int, high: int, most: int) -> None:
        self.low, self.high, self.most = low, high, most
        self.__name__ = "list"

    def __str__(self) -> str:
        return f"1 to {self.most} whole numbers {self.low}..{self.high}, comma-separated"

    def __call__(self, text: str) -> str:
        text = str(text)
        items = text.split(",")
        if not text.strip() or len(items) > self.most:
            raise argparse.ArgumentTypeError(f"{_show(text)} is not allowed; allowed: {self}")
        numbers = []
        for item in items:
            try:
                number = int(item)
            except ValueError:
                where = "" if len(items) == 1 else f" in {_show(text)}"
                raise argparse.ArgumentTypeError(
                    f"{_show(item)}{where} is not a whole number; allowed: {self}"
                ) from None
            if not self.low <= number <= self.high:
                raise argparse.ArgumentTypeError(
                    f"{number} in {_show(text)} is out of range; allowed: {self}"
                )
            numbers.append(number)
        return ",".join(str(n) for n in numbers)


def integer_list(low: int, high: int, most: int) -> IntegerList:
    """The type of a comma-separated list of 1 to ``most`` integers, each ``low..high``."""
    return IntegerList(low, high, most)


def _writable_folder(path: Path) -> bool:
    return os.access(path, os.W_OK | os.X_OK)


def _path(path) -> str:
    return _show(str(path), None)


def _look(value: str, check) -> str:
    """Run ``check`` on a path, turning what the file system says into an argparse error."""
    if not str(value).strip():
        raise argparse.ArgumentTypeError(f"{_path(value)} is empty or blank; give a path")
    try:
        check(Path(value))
    except (OSError, ValueError) as err:
        why = getattr(err, "strerror", None) or str(err)
        raise argparse.ArgumentTypeError(f"cannot use {_path(value)}: {why}") from None
    return value


def output_file(value: str) -> str:
    """The type of an option naming a file to write: a file that can be written, or a new name in
    a folder that exists and can be written. Nothing is created or opened."""

    def check(path: Path) -> None:
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{_path(value)} is a folder; give a file name")
        if path.exists():
            if not os.access(path, os.W_OK):
                raise argparse.ArgumentTypeError(f"{_path(value)} exists and cannot be written")
            return
        parent = path.parent
        if not parent.exists():
            raise argparse.ArgumentTypeError(f"the folder of {_path(value)} does not exist")
        if not parent.is_dir():
            raise argparse.ArgumentTypeError(f"{_path(parent)} in {_path(value)} is not a folder")
        if not _writable_folder(parent):
            raise argparse.ArgumentTypeError(f"the folder of {_path(value)} cannot be written")

    return _look(value, check)


def input_file(value: str) -> str:
    """The type of an option naming a file to read: a regular file that can be read."""

    def check(path: Path) -> None:
        if not path.exists():
            raise argparse.ArgumentTypeError(f"{_path(value)} does not exist")
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"{_path(value)} is not a file")
        if not os.access(path, os.R_OK):
            raise argparse.ArgumentTypeError(f"{_path(value)} cannot be read")

    return _look(value, check)


def folder(value: str) -> str:
    """The type of an option naming a folder to write in, created if missing: a folder that can
    be written, or a new path whose nearest existing folder can be. Nothing is created."""

    def check(path: Path) -> None:
        path = path.expanduser()
        if os.path.lexists(path) and not path.exists():
            raise argparse.ArgumentTypeError(f"{_path(value)} is a link to nothing")
        if path.exists():
            if not path.is_dir():
                raise argparse.ArgumentTypeError(
                    f"{_path(value)} is not a folder; give a folder (it is created if missing)"
                )
            if not _writable_folder(path):
                raise argparse.ArgumentTypeError(f"the folder {_path(value)} cannot be written")
            return
        ancestor = Path(os.path.abspath(path)).parent
        while not os.path.lexists(ancestor):
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise argparse.ArgumentTypeError(f"{_path(ancestor)} in {_path(value)} is not a folder")
        if not _writable_folder(ancestor):
            raise argparse.ArgumentTypeError(
                f"{_path(value)} does not exist and cannot be made: {_path(ancestor)} cannot be written"
            )

    return _look(value, check)


def machine_options(p: argparse.ArgumentParser) -> None:
    """``--profile``, ``--segment-size``, ``--seed``: which simulated Mac, booted how."""
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="apple-silicon",
        help="the kind of Mac (default: apple-silicon)",
    )
    p.add_argument(
        "--segment-size",
        type=integer_choice(SEGMENT_SIZES),
        default=None,
        metavar="{" + ",".join(str(s) for s in SEGMENT_SIZES) + "}",
        help="buffer segment size drawn at boot: 65536 or 81920 (default: drawn from --seed)",
    )
    p.add_argument(
        "--seed", type=SEED, default=0, help=f"seed of the simulated boot, {SEED} (default 0)"
    )
