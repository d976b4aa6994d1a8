"""C++ answers: compile once with the system's compiler, run each case in a child process.

The answer is compiled with the stub headers (``include/``, package data) and linked with
``shim.cpp`` into one shared library: the shim's packet methods call back into the child
(:mod:`vethlab.exercises._child`), which answers them with the values the simulated packet
holds (read here, from the simulation, for every case). The child runs one case per request;
a case that faults (a wild pointer: SIGSEGV, SIGBUS) or runs past its time limit ends that
fork of the child, is reported for that case, and the next case runs in a new fork. For get_packet the
child maps the pool's bytes at the very addresses the simulated dext has them, so that the
answer's pointers read what the simulation holds.

Without a compiler the C++ path says so (:class:`AnswerError`); the Python path needs none.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vethlab.exercises.cases import Case, World, world_for
from vethlab.exercises.python import MAX_TIMEOUTS, AnswerError, stale_output
from vethlab.exercises.verdict import CaseResult, Outcome, judge
from vethlab.model.layout import round_up

__all__ = [
    "INCLUDE",
    "SIGNATURES",
    "find_compiler",
    "compile_answer",
    "run_cpp",
    "CheckerUnavailable",
]

HERE = Path(__file__).resolve().parent
#: The stub headers (DriverKit, NetworkingDriverKit, IOKitLib, vethlab/exercise.h).
INCLUDE = HERE / "include"
SHIM = HERE / "shim.cpp"
CHILD = HERE / "_child.py"
SIGNATURES = {
    "frame_address": "uint64_t frame_address(IOUserNetworkPacket *packet, const vethlab_pool *pool)",
    "get_packet": "kern_return_t get_packet(IOUserNetworkPacket *packet, const vethlab_pool *pool, "
    "IOUserNetworkTxCompletionQueue *completion, GetPacket_Output *output)",
}
_EXERCISE_NUMBER = {"frame_address": 1, "get_packet": 2}
_COMPILER_LINES = 40
#: Seconds the checker waits for a child past a case's own limit, which the child enforces.
_CHILD_GRACE = 10.0


class CheckerUnavailable(RuntimeError):
    """The checker cannot run C++ cases here (not the answer's fault)."""


def find_compiler() -> tuple[list[str] | None, str]:
    """The C++ compiler's command ($CXX if set, else the first of c++, g++, clang++ on PATH),
    or None and why there is none."""
    if os.environ.get("CXX"):
        command = shlex.split(os.environ["CXX"])
        if command and shutil.which(command[0]):
            return command, ""
        return None, f"CXX={os.environ['CXX']!r} is not a command on PATH"
    for name in ("c++", "g++", "clang++"):
        found = shutil.which(name)
        if found:
            return [found], ""
    return None, "no C++ compiler (c++, g++ or clang++) on PATH; Debian: apt-get install g++"


def compile_answer(path, exercise: str, folder) -> Path:
    """Compile ``path`` with the shim into a shared library in ``folder``; :class:`AnswerError`
    with the compiler's messages when it does not compile or link."""
    compiler, why = find_compiler()
    if compiler is None:
        raise AnswerError(f"cannot check C++: {why}")
    path = Path(path)
    if not path.is_file():
        raise AnswerError(f"{path}: no such file")
    library = Path(folder) / "answer.so"
    command = [
        *compiler,
        "-std=c++17",
        "-shared",
        "-fPIC",
        "-O0",  # as written: no optimisation may remove an endless loop or fortify a memcpy
        "-I",
        str(INCLUDE),
        "-include",
        "vethlab/exercise.h",
        f"-DVETHLAB_EXERCISE={_EXERCISE_NUMBER[exercise]}",
        str(path),
        str(SHIM),
        "-o",
        str(library),
    ]
    if sys.platform.startswith("linux"):
        command.append("-Wl,--no-undefined")
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise AnswerError(f"{path}: the compiler ran past 120 s") from None
    if result.returncode != 0:
        messages = result.stderr.strip().splitlines()
        shown = "\n".join(messages[:_COMPILER_LINES])
        if len(messages) > _COMPILER_LINES:
            shown += f"\n... ({len(messages) - _COMPILER_LINES} more lines)"
        hint = ""
        name = exercise + "("
        if any("undefined" in m and name in m for m in messages):
            hint = f"\n{path} defines no {SIGNATURES[exercise]}"
        raise AnswerError(f"{path} does not compile:\n{shown}{hint}")
    return library


class _Worker:
    """One child process running cases of one compiled answer."""

    def __init__(self, library: Path, exercise: str, stderr, timeout: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(CHILD), str(library), exercise, str(timeout)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        if exercise == "get_packet":
            self.process.stdin.write(stale_output().hex().encode() + b"\n")

    def ask(self, request: dict, timeout: float) -> dict:
        """Send one case; its reply, or raise _Ended (the child died) or TimeoutError."""
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()
        out = self.process.stdout
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([out], [], [], left)
            if ready:
                line = out.readline()
                if not line:
                    raise _Ended(self.process.wait())
                return json.loads(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


class _Ended(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _signal_text(status: int, address: int | None = None) -> str:
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        what = {
            "SIGSEGV": "a wild pointer",
            "SIGBUS": "a wild pointer",
            "SIGABRT": "an abort",
            "SIGFPE": "an arithmetic fault",
            "SIGILL": "an illegal instruction",
        }.get(name, "a signal")
        at = "" if address is None else f" at {address:#x}"
        return f"crashed with {name} ({what}{at}): the case's dext would have died"
    return f"ended with exit status {status}"


def _packet_fields(packet) -> dict:
    """What the shim's accessors answer for ``packet``, asked of the simulated packet."""
    return {
        "data_virtual_address": packet.getDataVirtualAddress(),
        "data_io_virtual_address": packet.getDataIOVirtualAddress(),
        "memory_segment_offset": packet.getMemorySegmentOffset(),
        "data_length": packet.getDataLength(),
        "data_offset": packet.getDataOffset(),
        "headroom": packet.GetHeadroom(),
        "link_header_length": packet.getLinkHeaderLength(),
    }


def _regions(world: World, folder: Path, files: dict) -> list:
    """(address, length, file, offset) of every dext mapping of the world's pool, its bytes
    written once to a file in ``folder``."""
    pool = world.pool
    key = id(world)
    if key not in files:
        length = round_up(world.layout.length, world.mac.page_size)
        path = folder / f"pool-{len(files)}.bin"
        data = bytes(pool.CopyMemoryDescriptor().bytes_at(0, world.layout.length))
        path.write_bytes(data + bytes(length - len(data)))
        files[key] = str(path)
    return [
        (m.GetAddress(), m.GetLength(), files[key], m.GetOffset()) for m in world.dext_mappings()
    ]


def run_cpp(
    path, cases: list[Case], *, timeout: float = 2.0, worlds=None, exercise: str | None = None
) -> list[CaseResult]:
    """The verdict on the C++ answer ``path`` in every case: compiled once, run in children."""
    exercise = exercise or cases[0].exercise
    worlds = {} if worlds is None else worlds
    results = []
    with tempfile.TemporaryDirectory(prefix="vethlab-check-") as tmp:
        folder = Path(tmp)
        library = compile_answer(path, exercise, folder)
        files: dict = {}
        with open(folder / "stderr.txt", "wb") as stderr:
            worker = None
            timeouts = 0
            try:
                for case in cases:
                    world = world_for(case, worlds)
                    if timeouts >= MAX_TIMEOUTS:
                        problem = f"not run: {timeouts} cases already ran past the time limit"
                        outcome = Outcome(problem=problem, error_type="timeout")
                        results.append(judge(case, world, outcome))
                        continue
                    packet = world.packet(case)
                    pool = world.exercise_pool
                    request = {
                        "case": case.number,
                        "page_size": world.mac.page_size,
                        "pool": [pool.address or 0, pool.map_to_dext, pool.requested_buffer_size],
                        "packet": _packet_fields(packet),
                    }
                    if exercise == "get_packet":
                        request["regions"] = _regions(world, folder, files)
                    if worker is None:
                        worker = _Worker(library, exercise, stderr, timeout)
                    try:
                        # The child stops a case at ``timeout``; this limit is for the child.
                        reply = worker.ask(request, timeout + _CHILD_GRACE)
                    except TimeoutError:
                        timeouts += 1
                        worker.stop()
                        worker = None
                        problem = f"ran past its {timeout:g} s time limit (stopped)"
                        outcome = Outcome(problem=problem, error_type="timeout")
                        results.append(judge(case, world, outcome))
                        continue
                    except (_Ended, BrokenPipeError) as err:
                        status = err.status if isinstance(err, _Ended) else worker.process.wait()
                        worker.stop()
                        worker = None
                        outcome = Outcome(problem=_signal_text(status), error_type="fault")
                        results.append(judge(case, world, outcome))
                        continue
                    if "unavailable" in reply:
                        raise CheckerUnavailable(
                            f"cannot run C++ get_packet cases here: {reply['unavailable']}"
                        )
                    if "timeout" in reply:
                        timeouts += 1
                        problem = f"ran past its {timeout:g} s time limit (stopped)"
                        outcome = Outcome(problem=problem, error_type="timeout")
                    elif "signal" in reply or "exit" in reply:
                        status = -reply["signal"] if "signal" in reply else reply["exit"]
                        outcome = Outcome(
                            problem=_signal_text(status, reply.get("address")),
                            error_type="fault",
                            fault_address=reply.get("address"),
                        )
                    else:
                        outcome = _outcome(reply)
                    results.append(judge(case, world, outcome))
            finally:
                if worker is not None:
                    worker.stop()
    return results


def _outcome(reply: dict) -> Outcome:
    value = reply.get("value")
    if "output" in reply:
        if value is not None:
            value &= 0xFFFFFFFF  # a kern_return_t, as the app receives it
        return Outcome(
            value=value,
            output=bytes.fromhex(reply["output"]),
            overflow=reply.get("overflow"),
            completed=reply.get("completed", 0),
        )
    return Outcome(value=value, completed=reply.get("completed", 0))
