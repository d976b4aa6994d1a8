"""Python answers: load a learner's file, and run its function in every case.

The function runs in this process against the simulation itself: ``packet`` is the world's
:class:`~vethlab.networkingdriverkit.packet.IOUserNetworkPacket` (both accessor families),
``pool`` an :class:`~vethlab.exercises.cases.ExercisePool`. For ``get_packet`` it also gets
``completion`` (a TX completion queue: ``completion.EnqueuePacket(packet)``), ``output`` (a
``GetPacket_Output`` record that still holds an earlier, longer frame's bytes, as a struct on
the stack does) and ``memory`` (the dext's memory: ``memory.read(address, length)`` faults
where the dext has no mapping).

Each case has a time limit (on the main thread, where signals can interrupt it); an exception
or a simulated fault is that case's verdict, never the checker's end.
"""

from __future__ import annotations

import inspect
import signal
import threading
import traceback
from pathlib import Path

import numpy as np

from vethlab.exercises.cases import STALE_FRAME_LEN, Case, World, world_for
from vethlab.exercises.verdict import CaseResult, Outcome, judge
from vethlab.handoff.structs import GET_PACKET_DATA_SIZE, GetPacket_Output, pack_get_packet_output
from vethlab.ioreturn import kIOReturnSuccess
from vethlab.model.memory import SimulatedFault

__all__ = [
    "AnswerError",
    "MAX_TIMEOUTS",
    "SIGNATURES",
    "TxCompletion",
    "load_python",
    "run_python",
    "stale_output",
]

#: After this many cases ran past their time limit, the rest are not run (an endless loop
#: would otherwise take the time limit times every case).
MAX_TIMEOUTS = 3
#: What each exercise's Python function is called with.
SIGNATURES = {
    "frame_address": "frame_address(packet, pool)",
    "get_packet": "get_packet(packet, pool, completion, output, memory)",
}


class AnswerError(Exception):
    """An answer that cannot be run at all: a file that does not load or compile, or that
    defines no function of the exercise's name. ``vethlab check`` exits 2 with it."""


class CaseTimeout(BaseException):
    """Raised into an answer that ran past its time limit (a BaseException, so that an
    answer's ``except Exception`` cannot swallow it)."""


class TxCompletion:
    """The TX completion queue a get_packet answer completes its packet on: it counts."""

    def __init__(self) -> None:
        self.completed = 0

    def EnqueuePacket(self, packet) -> int:
        self.completed += 1
        return kIOReturnSuccess


def stale_output() -> bytes:
    """The 1604 bytes an uncleared struct holds before get_packet runs: an earlier, longer
    frame and its size (the same in Python and C++)."""
    text = b"stale bytes of an earlier frame "
    data = (text * (GET_PACKET_DATA_SIZE // len(text) + 1))[:STALE_FRAME_LEN]
    return pack_get_packet_output(data)


def load_python(path, exercise: str):
    """The function ``exercise`` defined by the Python file ``path``; :class:`AnswerError`
    (with the line) when the file does not load or defines no such function."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AnswerError(f"{path}: cannot read it: {err}") from None
    namespace = {"__name__": f"vethlab_answer_{exercise}", "__file__": str(path)}
    try:
        code = compile(source, str(path), "exec")
        exec(code, namespace)
    except SyntaxError as err:
        raise AnswerError(f"{path}:{err.lineno}: {err.msg}") from None
    except BaseException as err:  # whatever the file's top level raises
        if isinstance(err, KeyboardInterrupt):
            raise
        raise AnswerError(f"{path} does not load: {_where(err)}") from None
    function = namespace.get(exercise)
    if not callable(function):
        defined = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("_"))
        raise AnswerError(
            f"{path} defines no function {SIGNATURES[exercise]}"
            + (f"; it defines {', '.join(defined)}" if defined else "")
        )
    check_signature(function, exercise)
    return function


def check_signature(function, exercise: str) -> None:
    """Refuse a function that cannot take the exercise's arguments."""
    want = SIGNATURES[exercise].split("(")[1].rstrip(")").split(", ")
    try:
        inspect.signature(function).bind(*want)
    except TypeError:
        raise AnswerError(
            f"{getattr(function, '__name__', function)} cannot be called as {SIGNATURES[exercise]}"
        ) from None
    except ValueError:  # a builtin without a signature: let the cases say
        pass


#: vethlab's own code: a traceback's frames there are never the answer's (but the example
#: answers' are).
_PACKAGE = Path(__file__).resolve().parent.parent
_EXAMPLES = Path(__file__).resolve().parent / "examples"


def _where(err: BaseException, path=None) -> str:
    """``TypeError: ... (answer.py line 7)``: the error and the last line of the answer it went
    through, never a line of vethlab's own code (a notebook cell's line: "cell line 3")."""
    line = None
    for frame in traceback.extract_tb(err.__traceback__):
        where = Path(frame.filename).resolve()
        if not where.is_relative_to(_PACKAGE) or where.is_relative_to(_EXAMPLES):
            line = frame
    text = f"{type(err).__name__}: {err}"
    if line is not None:
        name = Path(line.filename).name
        if "ipykernel_" in line.filename or line.filename.startswith("<"):
            name = "cell"
        text += f" ({name} line {line.lineno})"
    return text


def _call(function, args, timeout: float) -> tuple[object, BaseException | None]:
    """``function(*args)`` with a time limit where this thread can have one."""
    use_alarm = (
        timeout
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    previous = None
    if use_alarm:

        def _expired(signum, frame):
            raise CaseTimeout

        previous = signal.signal(signal.SIGALRM, _expired)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return function(*args), None
    except KeyboardInterrupt:
        raise
    except BaseException as err:
        return None, err
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def run_case(function, case: Case, world: World, timeout: float) -> tuple[Outcome, dict]:
    """Run ``function`` in one case; return what it did and what it was given."""
    packet = world.packet(case)
    pool = world.exercise_pool
    given = {}
    if case.exercise == "frame_address":
        args = (packet, pool)
    else:
        completion = TxCompletion()
        output = np.frombuffer(bytearray(stale_output()), GetPacket_Output).reshape(())
        args = (packet, pool, completion, output, world.dext.task)
        given = {"completion": completion, "output": output}
    value, err = _call(function, args, timeout)
    if err is None:
        if case.exercise == "frame_address":
            return Outcome(value=value), given
        output_bytes = given["output"].tobytes()
        return Outcome(
            value=value,
            output=output_bytes[: GetPacket_Output.itemsize],
            completed=given["completion"].completed,
        ), given
    completed = given["completion"].completed if given else 0
    if isinstance(err, CaseTimeout):
        problem = f"ran past its {timeout:g} s time limit"
        return Outcome(problem=problem, error_type="timeout", completed=completed), given
    if isinstance(err, SimulatedFault):
        return Outcome(
            problem=str(err), error_type="fault", completed=completed, fault_address=err.address
        ), given
    return Outcome(
        problem=f"raised {_where(err)}", error_type=type(err).__name__, completed=completed
    ), given


def run_python(
    function, cases: list[Case], *, timeout: float = 2.0, worlds=None
) -> list[CaseResult]:
    """The verdict on ``function`` in every case of ``cases``."""
    worlds = {} if worlds is None else worlds
    results, timeouts = [], 0
    for case in cases:
        world = world_for(case, worlds)
        if timeouts >= MAX_TIMEOUTS:
            problem = f"not run: {timeouts} cases already ran past the time limit"
            outcome = Outcome(problem=problem, error_type="timeout")
        else:
            outcome, _ = run_case(function, case, world, timeout)
            timeouts += outcome.error_type == "timeout"
        results.append(judge(case, world, outcome))
    return results
