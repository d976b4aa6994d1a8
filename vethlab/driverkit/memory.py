"""IOMemoryDescriptor, IOBufferMemoryDescriptor, IOMemoryMap: how bytes get an address.

An :class:`IOMemoryDescriptor` names some memory (a slice of a memory object, a numpy byte
array) without giving it an address. ``CreateMapping`` or ``Map`` gives it one, in one task
(:class:`~vethlab.model.memory.Task`). Two mappings of one descriptor show the same bytes at
two addresses.

The rule at this boundary: every option, address, offset, length and alignment is an integer
in its C type's range (:mod:`vethlab.model.cint`), checked before anything is mapped; a
mapping must fit its descriptor and the task's address space (the rule of
:class:`~vethlab.model.memory.AddressSpace`: no mapping at address 0, none past ``2**64``,
none over another). A refused mapping leaves the task's address space as it was. What a
mapping hands to Python (:meth:`IOMemoryMap.view`) stops reading the memory once it is
unmapped; unmapping twice is ``kIOReturnNotFound`` (modelled).

Provenance: signatures, option bits and "specify only 0" for alignment are documented
(DriverKit ``IOMemoryDescriptor.iig``). Where mappings land and which IOReturn a rejected
option gives are modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vethlab.ioreturn import BadArgument, IOReturnError, kIOReturnNotAligned
from vethlab.model.cint import uint64
from vethlab.model.layout import round_up
from vethlab.model.memory import MappedView, SimulatedFault, Task

__all__ = [
    "IOMemoryDescriptor",
    "IOBufferMemoryDescriptor",
    "IOMemoryMap",
    "IOAddressSegment",
    "kIOMemoryDirectionNone",
    "kIOMemoryDirectionIn",
    "kIOMemoryDirectionOut",
    "kIOMemoryDirectionInOut",
    "kIOMemoryDirectionOutIn",
    "kIOMemoryDisableCopyOnWrite",
    "kIOMemoryMapFixedAddress",
    "kIOMemoryMapReadOnly",
    "kIOMemoryMapGuardedMask",
    "kIOMemoryMapCacheModeInhibit",
    "kIOMemoryMapCacheModeCopyback",
    "kIOMemoryMapCacheModeWriteThrough",
    "kIOMemoryMapCacheModeRealTime",
]

# IOMemoryDescriptor.iig (documented)
kIOMemoryDirectionNone = 0
kIOMemoryDirectionIn = 1
kIOMemoryDirectionOut = 2
kIOMemoryDirectionOutIn = 3
kIOMemoryDirectionInOut = 3
kIOMemoryDisableCopyOnWrite = 0x10
kIOMemoryMapFixedAddress = 0x1
kIOMemoryMapReadOnly = 0x2
kIOMemoryMapGuardedMask = 0x1C
kIOMemoryMapCacheModeInhibit = 0x100
kIOMemoryMapCacheModeCopyback = 0x200
kIOMemoryMapCacheModeWriteThrough = 0x400
kIOMemoryMapCacheModeRealTime = 0x800
_MAP_OPTIONS = (
    kIOMemoryMapFixedAddress
    | kIOMemoryMapReadOnly
    | kIOMemoryMapGuardedMask
    | kIOMemoryMapCacheModeInhibit
    | kIOMemoryMapCacheModeCopyback
    | kIOMemoryMapCacheModeWriteThrough
    | kIOMemoryMapCacheModeRealTime
)
_DIRECTIONS = kIOMemoryDirectionInOut | kIOMemoryDisableCopyOnWrite


@dataclass(frozen=True)
class IOAddressSegment:
    """``struct IOAddressSegment { uint64_t address; uint64_t length; }``"""

    address: int
    length: int


class IOMemoryDescriptor:
    """A range of memory without an address: ``length`` bytes of a memory object.

    The memory object is a numpy uint8 array shared by every descriptor and mapping of it.
    """

    def __init__(
        self,
        task: Task,
        memory: np.ndarray,
        offset: int,
        length: int,
        direction: int = kIOMemoryDirectionInOut,
        name: str = "",
    ) -> None:
        self.task = task  # the task whose calls map it by default (the dext, usually)
        self._memory = memory
        self._offset = offset
        self._length = length
        self.direction = direction
        self.name = name or "memory"

    # -- DriverKit API --------------------------------------------------------------------
    def GetLength(self) -> int:
        """``GetLength(&length)``: the descriptor's length in bytes."""
        return self._length

    def CreateMapping(
        self,
        options: int = 0,
        address: int = 0,
        offset: int = 0,
        length: int = 0,
        alignment: int = 0,
        *,
        into: Task | None = None,
    ) -> IOMemoryMap:
        """``CreateMapping(options, address, offset, length, alignment, &map)``.

        Maps ``length`` bytes (0: to the end) from ``offset`` into the calling task (``into``,
        vethlab's addition: by default the task that owns the descriptor). ``address`` is used
        only with ``kIOMemoryMapFixedAddress``; ``alignment`` must be 0 (documented: "Specify
        only 0").
        """
        options, address = uint64("options", options), uint64("address", address)
        offset, length = uint64("offset", offset), uint64("length", length)
        alignment = uint64("alignment", alignment)
        if options & ~_MAP_OPTIONS:
            raise BadArgument(
                f"options 0x{options:x} has unknown bits 0x{options & ~_MAP_OPTIONS:x}; allowed "
                "bits: kIOMemoryMapFixedAddress, kIOMemoryMapReadOnly, guard and cache modes"
            )
        if alignment != 0:
            raise BadArgument(
                f"alignment {alignment} is not supported; CreateMapping allows only 0"
            )
        return self._map(options, address, offset, length, 0, into or self.task)

    def Map(
        self, options: int = 0, address: int = 0, length: int = 0, alignment: int = 0
    ) -> tuple[int, int]:
        """``Map(options, address, length, alignment, &address, &length)``: the whole
        descriptor mapped into its task; returns ``(address, length)`` and keeps no handle.

        ``alignment`` may be 0 or a power of two (drivers pass ``IOVMPageSize``). Documented
        as private in the DriverKit header, but called by real dexts and by the question's fix.
        """
        options, address = uint64("options", options), uint64("address", address)
        length, alignment = uint64("length", length), uint64("alignment", alignment)
        if options & ~_MAP_OPTIONS:
            raise BadArgument(
                f"options 0x{options:x} has unknown bits 0x{options & ~_MAP_OPTIONS:x}"
            )
        if alignment & (alignment - 1):
            raise BadArgument(f"alignment {alignment} is not 0 or a power of two")
        mapping = self._map(options, address, 0, length, alignment, self.task)
        return mapping.GetAddress(), mapping.GetLength()

    @classmethod
    def CreateSubMemoryDescriptor(
        cls, options: int, offset: int, length: int, ofDescriptor: IOMemoryDescriptor
    ) -> IOMemoryDescriptor:
        """A descriptor for ``length`` bytes at ``offset`` of ``ofDescriptor``."""
        options = uint64("options", options)
        offset, length = uint64("offset", offset), uint64("length", length)
        if options & ~_DIRECTIONS:
            raise BadArgument(f"options 0x{options:x} has unknown bits; allowed: direction bits")
        total = ofDescriptor.GetLength()
        if length == 0 or offset + length > total:
            raise BadArgument(
                f"offset {offset} + length {length} does not fit the descriptor's {total} bytes"
            )
        return IOMemoryDescriptor(
            ofDescriptor.task,
            ofDescriptor._memory,
            ofDescriptor._offset + offset,
            length,
            options & kIOMemoryDirectionInOut or ofDescriptor.direction,
            f"{ofDescriptor.name}[{offset}:{offset + length}]",
        )

    # -- vethlab's own ----------------------------------------------------------------------
    def bytes_at(self, offset: int, size: int) -> np.ndarray:
        """The descriptor's bytes ``[offset, offset+size)`` as a numpy view (no address)."""
        offset, size = uint64("offset", offset), uint64("size", size)
        if offset + size > self._length:
            raise BadArgument(
                f"range {offset}+{size} is outside the descriptor's {self._length} bytes"
            )
        start = self._offset + offset
        return self._memory[start : start + size]

    def _map(
        self, options, address, offset, length, alignment, task: Task, limit: int | None = None
    ) -> IOMemoryMap:
        limit = self._length if limit is None else limit
        if offset < 0 or offset >= limit:
            raise BadArgument(f"offset {offset} is outside 0..{limit - 1}")
        if length == 0:
            length = limit - offset
        if length < 0 or offset + length > limit:
            raise BadArgument(
                f"length {length} from offset {offset} runs past the descriptor's "
                f"{limit} bytes; allowed: 0 (to the end) or up to {limit - offset}"
            )
        page = task.mac.page_size
        in_page = offset % page
        span = round_up(in_page + length, page)
        if options & kIOMemoryMapFixedAddress:
            if address % page:
                raise IOReturnError(
                    kIOReturnNotAligned,
                    f"fixed address 0x{address:x} is not a multiple of the page size {page}",
                )
            page_start = address
        elif address:
            raise BadArgument(
                f"address 0x{address:x} given without kIOMemoryMapFixedAddress; specify 0"
            )
        else:
            page_start = task.space.place(span, alignment)
        mapping = IOMemoryMap(
            self, task, page_start, span, offset, length, bool(options & kIOMemoryMapReadOnly)
        )
        task.space.add(mapping, fixed=bool(options & kIOMemoryMapFixedAddress))
        return mapping

    def __repr__(self) -> str:
        return f"<IOMemoryDescriptor {self.name!r}: {self._length} bytes>"


class IOBufferMemoryDescriptor(IOMemoryDescriptor):
    """Memory a task allocates: ``IOBufferMemoryDescriptor::Create``. Zero-filled."""

    @classmethod
    def Create(
        cls, options: int, capacity: int, alignment: int = 0, *, task: Task
    ) -> IOBufferMemoryDescriptor:
        """``Create(options, capacity, alignment, &memory)``; ``task`` is the caller (in C the
        calling process is implicit). The initial length is ``capacity``, as Apple's docs say
        (XNU's header says 0 until ``SetLength``: a documented conflict; vethlab follows the docs).
        """
        options = uint64("options", options)
        capacity = uint64("capacity", capacity, 1, 1 << 31)
        alignment = uint64("alignment", alignment)
        if options & ~_DIRECTIONS:
            raise BadArgument(
                f"options 0x{options:x} has unknown bits; allowed: kIOMemoryDirection… bits"
            )
        if alignment & (alignment - 1):
            raise BadArgument(f"alignment {alignment} is not 0 or a power of two")
        memory = np.zeros(round_up(capacity, task.mac.page_size), dtype=np.uint8)
        md = cls(task, memory, 0, capacity, options & kIOMemoryDirectionInOut, "buffer")
        md._capacity = capacity
        return md

    def SetLength(self, length: int) -> None:
        """Set the valid length; it may not exceed the capacity (documented)."""
        length = uint64("length", length)
        if length > self._capacity:
            raise BadArgument(f"length {length} exceeds the capacity {self._capacity}")
        self._length = length

    def GetAddressRange(self) -> IOAddressSegment:
        """The buffer's range in its task, mapping it there on first use."""
        if not hasattr(self, "_own_map"):
            self._own_map = self._map(0, 0, 0, 0, 0, self.task, limit=self._capacity)
        return IOAddressSegment(self._own_map.GetAddress(), self._length)


class IOMemoryMap:
    """A descriptor's bytes at an address in one task."""

    def __init__(
        self,
        descriptor: IOMemoryDescriptor,
        task: Task,
        page_start: int,
        span: int,
        offset: int,
        length: int,
        read_only: bool,
    ) -> None:
        self.descriptor = descriptor
        self.task = task
        self.page_start = page_start
        self.page_end = page_start + span
        self._offset = offset
        self._length = length
        self.read_only = read_only
        self.released = False  # set by the address space once the mapping is removed
        self._address = page_start + offset % task.mac.page_size
        # The bytes the pages cover: the descriptor's from the page boundary below ``offset``.
        first = descriptor._offset + offset - offset % task.mac.page_size
        self._window = descriptor._memory[first : first + span]

    def GetAddress(self) -> int:
        """The address of the first mapped byte (the descriptor's byte ``GetOffset()``)."""
        return self._address

    def GetLength(self) -> int:
        return self._length

    def GetOffset(self) -> int:
        """Bytes from the descriptor's start to the mapping's first byte (documented)."""
        return self._offset

    def unmap(self) -> None:
        """Remove the mapping from its task (releasing the last reference does this in C).
        Every :class:`~vethlab.model.memory.MappedView` made from it faults from now on. A
        second ``unmap`` is ``kIOReturnNotFound`` (modelled: on a Mac an over-release is a
        crash) and changes nothing."""
        self.task.space.remove(self)

    def view(self, access: str = "read") -> MappedView:
        """The mapped bytes as a :class:`~vethlab.model.memory.MappedView`: it faults once the
        mapping is released."""
        return self.task.mapped(self._address, self._length, access)

    def address_of(self, offset: int) -> int:
        """The address, in this mapping, of the descriptor's byte ``offset``."""
        return self._address + offset - self._offset

    def offset_of(self, address: int) -> int:
        """The descriptor offset this mapping shows at ``address`` (inverse of address_of)."""
        return address - self._address + self._offset

    def describe(self) -> str:
        ro = ", read-only" if self.read_only else ""
        return (
            f"{self.descriptor.name} 0x{self.page_start:x}-0x{self.page_end:x} "
            f"in {self.task.name!r}{ro}"
        )

    def _bytes(self, address: int, size: int) -> np.ndarray:
        start = address - self.page_start
        if start + size > len(self._window):  # memory objects are page multiples: unreachable
            raise SimulatedFault(self.task, address, size, "access", "past the memory object")
        return self._window[start : start + size]

    def __repr__(self) -> str:
        return f"<IOMemoryMap {self.describe()}>"
