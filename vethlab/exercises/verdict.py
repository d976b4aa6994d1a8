"""Verdicts: whether an answer got a case right, by how many bytes it missed, and which traps
explain the miss.

An answer's result for a case is judged against the world the case reads
(:class:`~vethlab.exercises.cases.World`), the same way in Python and in C++:

- ``frame_address``: right when the returned address is the frame's first byte in one of the
  dext's mappings of the pool (a dext that has two mappings, its own and the pool's, may use
  either). A wrong address is turned back into a pool offset through the mapping it falls in;
  its error (read − frame) is explained as a sum of the traps' own errors, each asked of the
  pool's layout: trap 1 (the requested stride), 2 (no data offset), 3 (the headroom for the
  data offset), 4 (a segment offset for a pool offset). An address in no mapping that is a
  pool offset is trap 5 (a pool offset used as an address).
- ``get_packet``: right when a frame that fits comes back as ``kIOReturnSuccess`` with the
  1604 bytes a zeroed struct would hold (the frame, zeros, ``packet_size``), a frame over
  ``packet_data`` is refused with another ``kern_return_t``, nothing is written past the
  struct, and the packet is completed exactly once (traps 6, 7, 12; bytes copied from the
  wrong place are explained as ``frame_address`` misses).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from vethlab.exercises.cases import Case, World
from vethlab.handoff.structs import (
    GET_PACKET_DATA_SIZE,
    GET_PACKET_OUTPUT_SIZE,
    pack_get_packet_output,
)
from vethlab.ioreturn import kIOReturnSuccess
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket
from vethlab.traps import trap_title

__all__ = ["CaseResult", "Outcome", "judge", "explain_error", "trap_errors"]


@dataclass(frozen=True)
class Outcome:
    """What an answer did in one case, in either language.

    ``value``: what it returned (an address for frame_address, a ``kern_return_t`` for
    get_packet), or None when it did not return. ``problem``: why it did not (an exception,
    a fault, a timeout, a wrong type), or None. ``output``: the 1604 bytes of the struct after
    get_packet; ``overflow``: the first byte past the struct that it changed, or None;
    ``completed``: how many times it completed the packet; ``fault_address``: where a fault
    read or wrote, when it is known.
    """

    value: object = None
    problem: str | None = None
    output: bytes | None = None
    overflow: int | None = None
    completed: int = 0
    error_type: str | None = None
    fault_address: int | None = None


@dataclass
class CaseResult:
    """The verdict on one case."""

    case: Case
    passed: bool
    message: str
    expected: object
    got: object
    offset_error: int | None = None
    read_offset: int | None = None
    traps: tuple[int, ...] = ()
    data_length: int = 0
    index: int = 0
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "case": self.case.number,
            "parameters": self.case.parameters(),
            "passed": self.passed,
            "message": self.message,
            "expected": self.expected,
            "got": self.got,
            "offset_error": self.offset_error,
            "traps": list(self.traps),
        }


def trap_errors(world: World, packet: IOUserNetworkPacket) -> dict[int, int]:
    """The error in bytes (read − frame) each address trap makes for ``packet``, where it makes
    one: every number is asked of the pool's layout and the packet."""
    layout = world.layout
    index = packet.index
    errors = {
        1: layout.segment_offset(index, reported_stride=True) - layout.segment_offset(index),
        2: -packet.getDataOffset(),
        3: packet.GetHeadroom() - packet.getDataOffset(),
        4: layout.segment_offset(index) - layout.buffer_offset(index),
    }
    return {number: error for number, error in errors.items() if error}


def trap_combinations(world: World, packet: IOUserNetworkPacket):
    """``(traps, error)`` for every combination of the address traps this packet can show,
    fewest traps first (traps 2 and 3 never together: both are about the data offset)."""
    errors = trap_errors(world, packet)
    numbers = sorted(errors)
    for size in range(1, len(numbers) + 1):
        for chosen in itertools.combinations(numbers, size):
            if not (2 in chosen and 3 in chosen):
                yield chosen, sum(errors[n] for n in chosen)


def explain_error(world: World, packet: IOUserNetworkPacket, error: int) -> tuple[int, ...]:
    """The fewest address traps whose errors add up to ``error``, or () when none do."""
    return next((traps for traps, e in trap_combinations(world, packet) if e == error), ())


def _traps_text(traps) -> str:
    return ", ".join(trap_title(n) for n in traps)


def _hex(value) -> str:
    return f"0x{value:x}" if isinstance(value, int) else repr(value)


def judge(case: Case, world: World, outcome: Outcome) -> CaseResult:
    """The verdict on ``outcome`` for ``case``."""
    if case.exercise == "frame_address":
        return _judge_address(case, world, outcome)
    return _judge_get_packet(case, world, outcome)


def _address_verdict(case: Case, world: World, packet, address: int) -> CaseResult:
    expected = world.frame_addresses(packet)
    frame = packet.frame_offset()
    common = dict(data_length=packet.getDataLength(), index=packet.index)
    expected_text = expected[0] if expected else None
    if address in expected:
        return CaseResult(case, True, "right", expected_text, address, 0, frame, **common)
    read = world.pool_offset_of(address)
    if read is not None:
        error = read - frame
        traps = explain_error(world, packet, error)
        why = f": {_traps_text(traps)}" if traps else ""
        message = f"{_hex(address)} is pool offset {read:#x}, {error:+d} bytes from the frame{why}"
        return CaseResult(
            case, False, message, expected_text, address, error, read, traps, **common
        )
    if 0 <= address < world.layout.length:
        # A pool offset where an address belongs: what getDataVirtualAddress() gives without
        # PoolFlagMapToDext, or an addition with no mapping's address in it.
        error = address - frame
        traps = (5, *explain_error(world, packet, error))
        message = (
            f"{_hex(address)} is not an address in the dext but a pool offset "
            f"({error:+d} bytes from the frame's): {_traps_text(traps)}"
        )
        return CaseResult(
            case, False, message, expected_text, address, error, None, traps, **common
        )
    message = f"{_hex(address)} is in no mapping of the pool in the dext: reading there faults"
    return CaseResult(case, False, message, expected_text, address, None, None, (), **common)


def _problem_traps(
    case: Case, world: World, packet, outcome: Outcome, fits: bool = True
) -> tuple[int, ...]:
    """Traps that explain an answer that did not return.

    A fault whose address is known (always in Python; in C++ where the shim could catch it) is
    trap 5 when that address is the frame's pool offset, or a pool offset the address traps
    explain: an address made of offsets alone. Any other known fault (a null pointer, say) is
    trap 6 for a frame longer than ``packet_data`` and no trap for one that fits. Where the
    address is not known and the dext never mapped the pool (``pool.address`` is None, 0 in
    C++), a fault or an addition with None is trap 5. Elsewhere a fault or a refused copy of a
    frame longer than ``packet_data`` is trap 6."""
    if outcome.error_type == "fault" and outcome.fault_address is not None:
        error = outcome.fault_address - packet.frame_offset()
        if 0 <= outcome.fault_address < world.layout.length:
            explained = explain_error(world, packet, error)
            if error == 0 or explained:
                return (5, *explained)
        return (6,) if not fits else ()
    none_added = outcome.error_type == "TypeError" and "None" in (outcome.problem or "")
    if not case.dext_mapped and (none_added or outcome.error_type == "fault"):
        return (5,)
    if not fits and outcome.error_type in ("ValueError", "IndexError", "fault"):
        return (6,)
    return ()


def _judge_address(case: Case, world: World, outcome: Outcome) -> CaseResult:
    packet = world.packet(case)
    expected = world.frame_addresses(packet)
    expected_text = expected[0] if expected else None
    if outcome.problem is not None:
        traps = _problem_traps(case, world, packet, outcome)
        why = f" ({_traps_text(traps)})" if traps else ""
        return CaseResult(
            case, False, outcome.problem + why, expected_text, None, traps=traps, index=packet.index
        )
    value = outcome.value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        return CaseResult(
            case,
            False,
            f"returned {value!r} ({type(value).__name__}), not an int address",
            expected_text,
            repr(value),
            index=packet.index,
        )
    return _address_verdict(case, world, packet, int(value))


def _copied_from(world: World, packet, data: bytes) -> int | None:
    """The pool offset that holds the bytes an answer copied: where a wrong copy was read.
    First where the address traps would have read (zeros too), else the place nearest the
    frame that holds them; None when the pool holds them nowhere (or they are all zeros)."""
    memory = bytes(world.pool.CopyMemoryDescriptor().bytes_at(0, world.layout.length))
    frame = packet.frame_offset()
    for _, error in trap_combinations(world, packet):
        at = frame + error
        if at >= 0 and memory[at : at + len(data)] == data:
            return at
    if not data.strip(b"\0"):
        return None
    found, start = [], memory.find(data)
    while start >= 0 and len(found) < 256:
        found.append(start)
        start = memory.find(data, start + 1)
    return min(found, key=lambda at: abs(at - frame)) if found else None


def _judge_get_packet(case: Case, world: World, outcome: Outcome) -> CaseResult:
    packet = world.packet(case)
    length = packet.getDataLength()
    frame = packet.frame_bytes()
    fits = length <= GET_PACKET_DATA_SIZE
    expected = "kIOReturnSuccess and the frame" if fits else "not kIOReturnSuccess"
    common = dict(data_length=length, index=packet.index)
    problems, traps = [], []
    if outcome.problem is not None:
        problems.append(outcome.problem)
        traps += _problem_traps(case, world, packet, outcome, fits)
    if outcome.overflow is not None:
        problems.append(
            f"wrote past the {GET_PACKET_OUTPUT_SIZE}-byte struct (byte {outcome.overflow})"
        )
        traps.append(6)
    got = outcome.value
    if outcome.problem is None:
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            problems.append(f"returned {got!r} ({type(got).__name__}), not a kern_return_t")
        elif fits and int(got) != kIOReturnSuccess:
            problems.append(f"returned {int(got) & 0xFFFFFFFF:#x} for a frame that fits")
        elif not fits and int(got) == kIOReturnSuccess:
            problems.append(f"returned kIOReturnSuccess for a {length}-byte frame")
            traps.append(6)
    died = outcome.error_type in ("fault", "timeout")
    if outcome.completed == 0 and not died:
        problems.append("the packet was never completed")
        traps.append(12)
    elif outcome.completed > 1:
        problems.append(f"the packet was completed {outcome.completed} times")
    error = read = None  # where the copy was read from, when the bytes tell
    if fits and outcome.problem is None and outcome.output is not None:
        output = outcome.output
        data, size = output[:GET_PACKET_DATA_SIZE], int.from_bytes(output[-4:], "little")
        if data[:length] == frame:
            read = packet.frame_offset()
        else:
            source = read = _copied_from(world, packet, data[:length])
            if source is None:
                problems.append("packet_data does not hold the frame")
            else:
                error = source - packet.frame_offset()
                found = explain_error(world, packet, error)
                traps += found
                why = f": {_traps_text(found)}" if found else ""
                problems.append(
                    f"copied from pool offset {source:#x}, {error:+d} bytes from the frame{why}"
                )
        if data[length:].strip(b"\0"):
            problems.append(f"bytes after the {length}-byte frame are not zero (stale)")
            traps.append(7)
        if size != length:
            problems.append(f"packet_size is {size}, the frame {length} bytes")
        if pack_get_packet_output(frame) != output and not problems:
            problems.append("the struct is not what a zeroed struct with the frame holds")
    traps = tuple(sorted(set(traps)))
    if problems:
        message = "; ".join(problems)
        if traps:
            message += f" ({_traps_text(traps)})"
        return CaseResult(case, False, message, expected, _shown(got), error, read, traps, **common)
    return CaseResult(case, True, "right", expected, int(got) & 0xFFFFFFFF, 0, read, (), **common)


def _shown(value):
    """A ``kern_return_t`` as an unsigned number for the report; anything else as its repr."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value) & 0xFFFFFFFF
    return repr(value)
