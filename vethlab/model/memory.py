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

The rule at this boundary (modelled where it is not Apple's): a mapping lies wholly inside the
64-bit address space, above page zero, and over no other mapping of its task. A mapping that
does not is refused before the address space changes: one that would run past the last
address (``2**64``) is ``kIOReturnNoSpace``, a fixed mapping at address 0 (the page that
catches NULL pointers) is ``kIOReturnBadArgument``, one over another mapping is
``kIOReturnNoSpace``. A mapping placed at a fixed address does not move where the next
placed mapping goes (the task keeps its own order). Removing a mapping that is not there (a
second release) is ``kIOReturnNotFound``, labelled modelled: on a Mac an over-release crashes.

What an app keeps from a mapping is a :class:`MappedView` (``Task.mapped``): every read or
write checks that its mapping is still in the task, so once the mapping is released the
view's next access is a :class:`SimulatedFault`, as reading an unmapped page is on a Mac.
``Task.view`` hands a raw numpy view to the simulated kernel and dext for the length of one
call; they never keep it past a release.

Provenance: where mappings land and the guard page between them are modelled.
"""

from __future__ import annotations

import bisect
import random
import zlib
from typing import Protocol

import numpy as np

from vethlab.ioreturn import (
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnNoSpace,
    kIOReturnNotFound,
)
from vethlab.model.cint import uint64
from vethlab.model.costs import Costs
from vethlab.model.layout import round_up
from vethlab.model.machine import Boot, MachineProfile

__all__ = ["Mac", "Task", "AddressSpace", "Mapping", "MappedView", "SimulatedFault", "ADDRESS_END"]


class Mapping(Protocol):
    """What an address space needs of a mapping: its pages and its bytes. DriverKit's
    :class:`~vethlab.driverkit.memory.IOMemoryMap` is one."""

    page_start: int
    page_end: int
    read_only: bool
    released: bool  # set once the mapping is removed from its task

    def describe(self) -> str: ...

    def _bytes(self, address: int, size: int) -> np.ndarray: ...


#: Where user-space mappings start (modelled on a 64-bit macOS process, above __PAGEZERO).
_USER_BASE = 0x1_0000_0000
_KERNEL_BASE = 0xFFFF_FE00_0000_0000
#: One past the last address of a 64-bit address space: no mapping reaches past it.
ADDRESS_END = 1 << 64


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
        """A numpy view of ``size`` bytes at ``address``: no copy, for the simulated kernel and
        dext within one call (an app keeps a :meth:`mapped` view instead)."""
        return self.space.view(address, size, access)

    def mapped(self, address: int, size: int, access: str = "read") -> MappedView:
        """A view of ``size`` bytes at ``address`` that stays honest: once the mapping under it
        is released, its next read or write is a :class:`SimulatedFault`."""
        self.space.view(address, size, access)  # a fault now if it is not mapped now
        return MappedView(self, address, size, access)

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
        """Choose an address for ``length`` bytes: after the last placed mapping and a guard
        page, past any fixed mapping in the way. Changes nothing (``add`` does);
        ``kIOReturnNoSpace`` when no such address is left below ``2**64``."""
        align = max(self.page_size, alignment)
        span = round_up(length, self.page_size)
        address = round_up(self._next, align)
        while address + span <= ADDRESS_END:
            clash = self._overlapping(address, address + span + self.page_size)
            if clash is None:
                return address
            address = round_up(clash.page_end + self.page_size, align)
        raise IOReturnError(
            kIOReturnNoSpace,
            f"no room for {length} bytes in task {self.task.name!r}: the address space "
            "ends at 0xffffffffffffffff (modelled)",
        )

    def _overlapping(self, start: int, end: int) -> Mapping | None:
        """The first mapping with a page in ``[start, end)``, or None."""
        mappings = self.mappings
        for i in range(max(bisect.bisect_left(self._starts, start) - 1, 0), len(mappings)):
            m = mappings[i]
            if m.page_start >= end:
                return None
            if start < m.page_end:
                return m
        return None

    def add(self, mapping: Mapping, *, fixed: bool = False) -> None:
        """Put ``mapping`` in the task, or refuse it (and change nothing): see the module's
        rule. A ``fixed`` mapping (placed by the caller) does not move where ``place`` looks."""
        start, end = mapping.page_start, mapping.page_end
        if start == 0:
            raise IOReturnError(
                kIOReturnBadArgument,
                f"address 0x0 in task {self.task.name!r} is page zero, which is never mapped; "
                "allowed: a page-aligned address above it (modelled)",
            )
        if end > ADDRESS_END:
            raise IOReturnError(
                kIOReturnNoSpace,
                f"a mapping at 0x{start:x} of 0x{end - start:x} bytes runs past the end of the "
                f"64-bit address space in task {self.task.name!r} (modelled)",
            )
        if self._overlapping(start, end) is not None:
            raise IOReturnError(
                kIOReturnNoSpace,
                f"address 0x{start:x} is already mapped in task {self.task.name!r}",
            )
        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self.mappings.insert(i, mapping)
        if not fixed:
            self._next = max(self._next, end + self.page_size)

    def remove(self, mapping: Mapping) -> None:
        """Take ``mapping`` out of the task; a mapping that is not there (released already) is
        ``kIOReturnNotFound`` (modelled: on a Mac an over-release is a crash)."""
        i = next((k for k, m in enumerate(self.mappings) if m is mapping), None)
        if i is None:
            raise IOReturnError(
                kIOReturnNotFound,
                f"{mapping.describe()} is not mapped: released already "
                "(modelled: on a Mac an over-release is a crash)",
            )
        del self.mappings[i]
        del self._starts[i]
        mapping.released = True

    def holds(self, mapping: Mapping) -> bool:
        """Whether ``mapping`` is (still) one of this task's mappings."""
        return self.find(mapping.page_start) is mapping

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


class MappedView:
    """Bytes of a task's mapping as an app keeps them: ``view[i]``, ``view[a:b]`` (a numpy copy),
    ``view[a:b] = data``, ``len(view)``, ``view.tobytes()``, ``view.read(offset, size)``.
    Each access first checks that the mapping it was made from is still in the task; after a
    release it raises :class:`SimulatedFault` (reading or writing an unmapped page)."""

    __slots__ = ("_mapping", "access", "address", "size", "task")

    def __init__(self, task: Task, address: int, size: int, access: str = "read") -> None:
        self.task = task
        self.address = address
        self.size = size
        self.access = access
        self._mapping = task.space.find(address)

    def _live(self, access: str) -> np.ndarray:
        mapping = self._mapping
        if mapping is None or mapping.released:
            raise SimulatedFault(
                self.task, self.address, self.size, access, "the mapping was released"
            )
        if access == "write" and mapping.read_only:
            raise SimulatedFault(
                self.task, self.address, self.size, access, "the mapping is read-only"
            )
        return mapping._bytes(self.address, self.size)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key):
        value = self._live("read")[key]
        return value.copy() if isinstance(value, np.ndarray) else value

    def __setitem__(self, key, value) -> None:
        self._live("write")[key] = value

    def tobytes(self) -> bytes:
        return self._live("read").tobytes()

    def read(self, offset: int, size: int) -> bytes:
        """``size`` bytes from ``offset`` in the view, copied once (what an app's memcpy does)."""
        mapping = self._mapping
        if mapping is None or mapping.released or not 0 <= offset <= offset + size <= self.size:
            self._live("read")  # the fault that explains it, if the mapping is gone
            raise SimulatedFault(self.task, self.address + offset, size, "read", "outside the view")
        return mapping._bytes(self.address + offset, size).tobytes()

    def __array__(self, dtype=None, copy=None):
        data = self._live("read").copy()
        return data if dtype is None else data.astype(dtype)

    def __repr__(self) -> str:
        return f"<MappedView {self.size} bytes at 0x{self.address:x} in {self.task.name!r}>"
