"""Vethlab's model of a Mac's memory: tasks, address spaces and faults (not Apple API).

A :class:`Mac` is one simulated machine: a :class:`~vethlab.model.machine.Boot` (page size,
cache line, segment size), a kernel task, and the tasks started on it (a dext, an app). Each
:class:`Task` has its own address space of page-granular mappings, placed at addresses drawn
deterministically from the Mac's seed and the task's name, so a notebook shows the same
addresses every time it runs.

The mappings themselves are DriverKit's :class:`~vethlab.driverkit.memory.IOMemoryMap`; an
address space only keeps them sorted and answers "which mapping holds this address".

Reading or writing where a task has no mapping raises :class:`SimulatedFault`, the model of
``EXC_BAD_ACCESS``; it names the address, the task and the nearest mapping.

Provenance: where mappings land and the guard page between them are modelled.
"""

from __future__ import annotations

import bisect
import random
import zlib
from typing import Protocol

import numpy as np

from vethlab.ioreturn import IOReturnError, kIOReturnNoSpace
from vethlab.model.cint import uint64
from vethlab.model.costs import Costs
from vethlab.model.layout import round_up
from vethlab.model.machine import Boot, MachineProfile

__all__ = ["Mac", "Task", "AddressSpace", "Mapping", "SimulatedFault"]


class Mapping(Protocol):
    """What an address space needs of a mapping: its pages and its bytes. DriverKit's
    :class:`~vethlab.driverkit.memory.IOMemoryMap` is one."""

    page_start: int
    page_end: int
    read_only: bool

    def describe(self) -> str: ...

    def _bytes(self, address: int, size: int) -> np.ndarray: ...


#: Where user-space mappings start (modelled on a 64-bit macOS process, above __PAGEZERO).
_USER_BASE = 0x1_0000_0000
_KERNEL_BASE = 0xFFFF_FE00_0000_0000


class SimulatedFault(RuntimeError):
    """A simulated ``EXC_BAD_ACCESS``: an access outside every mapping of a task.

    Attributes: ``address``, ``size``, ``access`` ("read" or "write"), ``task`` (its name),
    ``nearest`` (the closest mapping, or None).
    """

    def __init__(self, task: Task, address: int, size: int, access: str, why: str) -> None:
        self.task = task.name
        self.address = address
        self.size = size
        self.access = access
        self.nearest = task.space.nearest(address)
        where = "no mapping in this task"
        if self.nearest is not None:
            where = f"nearest mapping: {self.nearest.describe()}"
        super().__init__(
            f"EXC_BAD_ACCESS (simulated) in task {task.name!r}: {access} of {size} byte{'s' * (size != 1)} at "
            f"0x{address:x}: {why}; {where}"
        )


class Mac:
    """One simulated machine: its boot numbers, its kernel, and its tasks.

    ``Mac(profile="apple-silicon", segment_size=None, seed=0, requested_stride_quirk=False)``.
    ``requested_stride_quirk`` turns on the behaviour the question reports (packets give
    offsets with the requested stride); it is off unless asked for. (reported)
    """

    def __init__(
        self,
        profile: str | MachineProfile = "apple-silicon",
        segment_size: int | None = None,
        seed: int = 0,
        requested_stride_quirk: bool = False,
    ) -> None:
        self.boot = Boot(profile, segment_size, seed)
        self.seed = seed
        self.requested_stride_quirk = bool(requested_stride_quirk)
        self.tasks: dict[str, Task] = {}
        self.kernel = self.task("kernel", base=_KERNEL_BASE)
        #: crossings, copies and notifications counted on this Mac (modelled)
        self.costs = Costs()

    @property
    def page_size(self) -> int:
        return self.boot.page_size

    def task(self, name: str, *, base: int | None = None) -> Task:
        """The task called ``name``, started on first use at a deterministic address."""
        if name not in self.tasks:
            if base is None:
                draw = random.Random(zlib.crc32(name.encode()) ^ self.seed)
                base = _USER_BASE + draw.randrange(0x10, 0x400) * 0x100000
            self.tasks[name] = Task(self, name, base)
        return self.tasks[name]

    def __repr__(self) -> str:
        return (
            f"Mac(profile={self.boot.profile.name!r}, segment_size={self.boot.segment_size}, "
            f"seed={self.seed}, requested_stride_quirk={self.requested_stride_quirk})"
        )


class Task:
    """A process (or the kernel) with its own address space."""

    def __init__(self, mac: Mac, name: str, base: int) -> None:
        self.mac = mac
        self.name = name
        self.space = AddressSpace(self, base)

    def read(self, address: int, size: int) -> bytes:
        """Copy ``size`` bytes from ``address`` in this task (a fault outside its mappings)."""
        return bytes(self.space.view(address, size, "read"))

    def write(self, address: int, data) -> None:
        """Store ``data`` at ``address`` in this task (a fault outside writable mappings)."""
        data = np.frombuffer(bytes(data), dtype=np.uint8)
        self.space.view(address, len(data), "write")[:] = data

    def view(self, address: int, size: int, access: str = "read") -> np.ndarray:
        """A numpy view of ``size`` bytes at ``address``: no copy (for fast readers)."""
        return self.space.view(address, size, access)

    def __repr__(self) -> str:
        return f"<Task {self.name!r}: {len(self.space.mappings)} mappings>"


class AddressSpace:
    """The page-granular mappings of one task, sorted by address."""

    def __init__(self, task: Task, base: int) -> None:
        self.task = task
        self.base = base
        self._next = base
        self._starts: list[int] = []
        self.mappings: list[Mapping] = []

    @property
    def page_size(self) -> int:
        return self.task.mac.page_size

    def place(self, length: int, alignment: int = 0) -> int:
        """Choose an address for ``length`` bytes: after the last mapping and a guard page."""
        align = max(self.page_size, alignment)
        address = round_up(self._next, align)
        self._next = address + round_up(length, self.page_size) + self.page_size
        return address

    def add(self, mapping: Mapping) -> None:
        start, end = mapping.page_start, mapping.page_end
        i = bisect.bisect_left(self._starts, start)
        neighbours = self.mappings[max(i - 1, 0) : i + 1]
        if any(m.page_start < end and start < m.page_end for m in neighbours):
            raise IOReturnError(
                kIOReturnNoSpace,
                f"address 0x{start:x} is already mapped in task {self.task.name!r}",
            )
        self._starts.insert(i, start)
        self.mappings.insert(i, mapping)
        self._next = max(self._next, end + self.page_size)

    def remove(self, mapping: Mapping) -> None:
        i = self.mappings.index(mapping)
        del self.mappings[i]
        del self._starts[i]

    def find(self, address: int) -> Mapping | None:
        """The mapping whose pages contain ``address``, if any."""
        i = bisect.bisect_right(self._starts, address) - 1
        if i >= 0 and address < self.mappings[i].page_end:
            return self.mappings[i]
        return None

    def nearest(self, address: int) -> Mapping | None:
        if not self.mappings:
            return None
        return min(
            self.mappings,
            key=lambda m: (
                0
                if m.page_start <= address < m.page_end
                else min(abs(address - m.page_start), abs(address - (m.page_end - 1)))
            ),
        )

    def view(self, address: int, size: int, access: str) -> np.ndarray:
        address, size = uint64("address", address), uint64("size", size)
        mapping = self.find(address)
        if mapping is None:
            raise SimulatedFault(self.task, address, size, access, "address not mapped")
        end = address + size
        if end > mapping.page_end:
            raise SimulatedFault(
                self.task,
                address,
                size,
                access,
                f"the access runs {end - mapping.page_end} bytes past the end of its mapping",
            )
        if access == "write" and mapping.read_only:
            raise SimulatedFault(self.task, address, size, access, "the mapping is read-only")
        return mapping._bytes(address, size)
