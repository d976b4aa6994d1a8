"""The dext's ``GetPacket_Output`` on its stack, byte by byte: who wrote what.

The output struct lives in the dext's memory (:class:`OutputSlot`): a local on the stack of the
thread that serves ``ExternalMethod``, at the same address every call, followed by ``guard``
bytes of whatever the stack holds above it, then the end of the stack. Each byte remembers which
write put it there, so a call's record (:class:`GetPacketRecord`) can say exactly which bytes
the overflow overwrote and whose frame each leaked byte came from.

Provenance: the struct is reported (the question's code). The stack slot is modelled: same
address each call, 2048 guard bytes, uninitialised bytes shown as zero where a real stack holds
older garbage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vethlab.driverkit.memory import IOBufferMemoryDescriptor, kIOMemoryDirectionInOut
from vethlab.handoff.structs import (
    GET_PACKET_DATA_SIZE,
    GET_PACKET_OUTPUT_SIZE,
    GetPacket_Output,
    field_range,
    unpack_get_packet_output,
)
from vethlab.ioreturn import (
    kIOReturnSuccess,
)
from vethlab.model.cint import c_int
from vethlab.model.layout import round_up
from vethlab.model.memory import SimulatedFault

__all__ = [
    "DEFAULT_GUARD",
    "GUARD_PATTERN",
    "NEVER_WRITTEN",
    "GUARD_FILL",
    "DEXT_WRITE",
    "ZEROED",
    "OutputSlot",
    "GetPacketRecord",
]

#: Bytes of stack above the output struct before the stack ends (modelled).
DEFAULT_GUARD = 2048
#: What the guard bytes hold before anything overwrites them (a recognisable pattern).
GUARD_PATTERN = 0xA5

# Who wrote each byte of the output slot: a frame's serial (>= 0, ``HostStack.writes``) or:
NEVER_WRITTEN = -1  #: uninitialised stack: nothing wrote it since the dext started
GUARD_FILL = -2  #: the stack's own bytes above the struct, untouched
DEXT_WRITE = -3  #: the dext's store of packet_size
ZEROED = -4  #: cleared by the safe GetPacket

_SIZE_START, _SIZE_END = field_range(GetPacket_Output, "packet_size")


class OutputSlot:
    """The dext's ``GetPacket_Output output;``: a local on the stack of the thread serving
    ``ExternalMethod``, at the same address every call (modelled: same call depth), never
    cleared unless the code clears it, with ``guard`` bytes of stack above it and then the end
    of the stack's mapping (a write past it faults)."""

    def __init__(self, task, guard: int = DEFAULT_GUARD) -> None:
        # the whole stack is one IOBufferMemoryDescriptor, at most 2 GiB
        guard = c_int("guard", guard, 0, (1 << 31) - GET_PACKET_OUTPUT_SIZE)
        self.task = task
        self.guard = guard
        self.size = GET_PACKET_OUTPUT_SIZE + guard
        stack = IOBufferMemoryDescriptor.Create(kIOMemoryDirectionInOut, self.size, task=task)
        base = stack.GetAddressRange().address
        #: the stack's top: the first address past its mapping
        self.end = base + round_up(self.size, task.mac.page_size)
        #: the struct's address (the same every call)
        self.address = self.end - self.size
        self.memory = task.view(self.address, self.size, "write")  # the slot's bytes, no copy
        self.memory[GET_PACKET_OUTPUT_SIZE:] = GUARD_PATTERN
        self._packet_size = self.memory[_SIZE_START:_SIZE_END].view("<u4")  # the field, in place
        self._struct = self.memory[:GET_PACKET_OUTPUT_SIZE]
        self.owner = np.full(self.size, NEVER_WRITTEN, dtype=np.int64)
        self.owner[GET_PACKET_OUTPUT_SIZE:] = GUARD_FILL

    def store_packet_size(self, value: int) -> None:
        """``output.packet_size = value;``"""
        self._packet_size[0] = value
        self.owner[_SIZE_START:_SIZE_END] = DEXT_WRITE

    def bzero(self) -> None:
        """``GetPacket_Output output = {};`` (or ``bzero(&output, sizeof(output))``)."""
        self.memory[:GET_PACKET_OUTPUT_SIZE] = 0
        self.owner[:GET_PACKET_OUTPUT_SIZE] = ZEROED

    def memcpy(self, source: int, length: int, serial: int) -> None:
        """``memcpy(output.packet_data, (void *)source, length)`` with no bound: reads
        ``length`` bytes at ``source`` in the dext (a fault if unmapped) and writes them from the
        struct's first byte on; what does not fit before the stack's end is written up to it,
        then the copy faults."""
        data = self.task.view(source, length, "read")
        room = min(length, self.size)
        self.memory[:room] = data[:room]
        self.owner[:room] = serial
        self.task.mac.costs.count_copy(room)
        if length > room:
            raise SimulatedFault(
                self.task,
                self.end,
                length - room,
                "write",
                f"memcpy of {length} bytes into packet_data[{GET_PACKET_DATA_SIZE}] "
                f"ran past the end of the dext's stack",
            )

    def struct_bytes(self) -> bytes:
        """``&output, sizeof(GetPacket_Output)``: the struct's 1604 bytes as they are now."""
        return self._struct.tobytes()


@dataclass(frozen=True)
class GetPacketRecord:
    """What one GetPacket call did in the dext: the frame, the output it returned, and who wrote
    each byte of the output slot (``owner``: a frame serial, or ``NEVER_WRITTEN``,
    ``GUARD_FILL``, ``DEXT_WRITE``, ``ZEROED``) when the call ended."""

    variant: str
    packet: int
    serial: int
    frame_length: int
    packet_size_written: int
    output: bytes  # the 1604 bytes sent to the app (b"" when the call failed)
    owner: np.ndarray = field(repr=False)
    guard: int = DEFAULT_GUARD
    kr: int = kIOReturnSuccess
    fault: str | None = None

    @property
    def packet_size_returned(self) -> int | None:
        """The ``packet_size`` the app received (None if it received nothing)."""
        if not self.output:
            return None
        return unpack_get_packet_output(self.output)[1]

    @property
    def copied(self) -> int:
        """Bytes the memcpy wrote into the slot."""
        return int(np.count_nonzero(self.owner == self.serial))

    def overwritten(self) -> list[tuple[int, int, str]]:
        """The struct-relative byte ranges the copy wrote beyond ``packet_data``, by region:
        ``"packet_size"``, ``"after the struct"`` (the guard bytes), ``"past the stack"`` (not
        written: the fault)."""
        if self.variant != "question" or self.frame_length <= GET_PACKET_DATA_SIZE:
            return []
        end = self.frame_length
        regions = [
            ("packet_size", _SIZE_START, _SIZE_END),
            ("after the struct", GET_PACKET_OUTPUT_SIZE, GET_PACKET_OUTPUT_SIZE + self.guard),
            ("past the stack", GET_PACKET_OUTPUT_SIZE + self.guard, end),
        ]
        return [
            (max(lo, GET_PACKET_DATA_SIZE), min(hi, end), name)
            for name, lo, hi in regions
            if min(hi, end) > max(lo, GET_PACKET_DATA_SIZE)
        ]

    def origins(
        self, start: int = 0, end: int | None = None
    ) -> list[tuple[int, int, str, int | None]]:
        """Runs ``(start, end, kind, serial)`` of the output slot's bytes ``[start, end)``
        (default: the 1604 bytes of the struct). ``kind``: "frame" (this call's frame),
        "stale" (an earlier frame, ``serial`` says which), "packet_size" (the dext's own
        store), "zeroed", "uninitialised", "guard"."""
        end = GET_PACKET_OUTPUT_SIZE if end is None else end
        owner = self.owner[start:end]
        if len(owner) == 0:
            return []
        cuts = np.flatnonzero(np.diff(owner)) + 1
        runs = []
        for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(owner)]):
            who = int(owner[lo])
            kind = (
                "frame"
                if who == self.serial
                else "stale"
                if who >= 0
                else {
                    DEXT_WRITE: "packet_size",
                    ZEROED: "zeroed",
                    NEVER_WRITTEN: "uninitialised",
                    GUARD_FILL: "guard",
                }[who]
            )
            runs.append((start + int(lo), start + int(hi), kind, who if who >= 0 else None))
        return runs

    def leaked(self) -> list[tuple[int, int, int]]:
        """``(start, end, serial)`` of the output bytes that belong to earlier frames."""
        if not self.output:
            return []
        return [(lo, hi, s) for lo, hi, kind, s in self.origins() if kind == "stale"]

    @property
    def leaked_bytes(self) -> int:
        return sum(hi - lo for lo, hi, _ in self.leaked())
