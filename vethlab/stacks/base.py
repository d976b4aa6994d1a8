"""What every stack model shares: the layout interface, sources, refusals and classic bugs.

A stack's layout answers the question's four questions in the same words for every stack:

=====================  ====================================================================
``requested_buffer_size``  what the user asked for, in the stack's own terms
``buffer_size``        what the stack records as the buffer's size (``nr_buf_size``,
                       ``chunk_size``, ``buf_len``, the kmalloc bucket, the cluster size)
``usable_size``        bytes a frame can use, from the first data byte to the buffer's end
``stride``             distance between consecutive buffers in memory
``headroom``           bytes the stack reserves before the data for headers to be prepended
``first_data_offset``  bytes from a buffer's start to the first data byte of a fresh packet
``buffer_offsets(n)``  where the first ``n`` buffers start, from the start of the stack's
                       memory (its ``origin``: the UMEM, the mempool's memory, ...)
=====================  ====================================================================

and keeps the stack's own names for its own fields (``own_fields()``). ``regions()`` describes
one stride of memory, in the stack's words, for the pictures: what lies before a buffer (DPDK's
``struct rte_mbuf``), its headroom, the room for data, and what follows (an ``skb_shared_info``,
a mempool trailer). Every value carries
its provenance (``provenance``): "source" with the file (and line) it comes from, or
"modelled" where no source says (the labels of :mod:`vethlab.model.provenance`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from vethlab.model.cint import round_up
from vethlab.model.provenance import check_label

__all__ = [
    "Source",
    "StackError",
    "ClassicBug",
    "BugResult",
    "StackLayout",
    "Region",
    "REGION_KINDS",
    "SHARED_KEYS",
    "align_up",
    "is_power_of_2",
]

#: The keys every stack's ``summary()`` has, in this order (README defines each once).
SHARED_KEYS = (
    "stack",
    "requested_buffer_size",
    "buffer_size",
    "usable_size",
    "stride",
    "headroom",
    "first_data_offset",
    "buffer_count",
    "memory_size",
    "buffer_offsets",
)


#: ``value`` rounded up to a multiple of ``multiple`` (C's ALIGN, RTE_ALIGN_CEIL): vethlab's one
#: round-up.
align_up = round_up


def is_power_of_2(value: int) -> bool:
    """The kernel's ``is_power_of_2()``: true for 1, 2, 4, ...; false for 0."""
    return value > 0 and value & (value - 1) == 0


@dataclass(frozen=True)
class Source:
    """Where a rule comes from: ``what`` it says, ``where`` (repository @commit path:line or
    function), and its provenance ``label`` ("source" or "modelled")."""

    what: str
    where: str
    label: str = "source"

    def __post_init__(self) -> None:
        check_label(self.label)

    def as_dict(self) -> dict:
        return {"what": self.what, "where": self.where, "label": self.label}


class StackError(Exception):
    """A stack refused the request, as the stack itself would.

    ``errno`` is the error's name (``"EINVAL"``), or None where the call just returns NULL;
    ``returns`` is what the C call gives back (``"-EINVAL"``, ``"NULL"``, ``"NULL, rte_errno =
    EINVAL"``); ``reason`` says which value was bad and what the source allows; ``source`` is
    the check's :class:`Source`.
    """

    def __init__(
        self,
        stack: str,
        call: str,
        errno: str | None,
        reason: str,
        source: Source,
        returns: str | None = None,
    ) -> None:
        self.stack = stack
        self.call = call
        self.errno = errno
        self.reason = reason
        self.source = source
        self.returns = returns if returns is not None else f"-{errno}"
        super().__init__(
            f"{stack}: {call} returns {self.returns}: {reason} ({source.label}: {source.where})"
        )

    def __reduce__(self):
        return (
            type(self),
            (self.stack, self.call, self.errno, self.reason, self.source, self.returns),
        )


#: What a region of a stride holds: the stack's bookkeeping (a header, a trailer's metadata),
#: bytes reserved before the data, the room for data, or padding nobody uses.
REGION_KINDS = ("metadata", "headroom", "data", "pad")


@dataclass(frozen=True)
class Region:
    """Bytes ``start`` to ``end`` of one stride, counted from the buffer's start (negative:
    before the buffer, as DPDK's mbuf header is), holding ``kind`` (one of
    :data:`REGION_KINDS`), called ``name`` in the stack's words."""

    start: int
    end: int
    kind: str
    name: str

    def __post_init__(self) -> None:
        if self.kind not in REGION_KINDS:
            raise ValueError(f"region kind {self.kind!r} is unknown; allowed: {REGION_KINDS}")
        if self.end < self.start:
            raise ValueError(f"region {self.name!r} ends ({self.end}) before it starts")

    @property
    def size(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class ClassicBug:
    """A stack's classic mistake: what goes wrong, the code that does it (the stack's own
    language, shown as that stack's code, never compiled as DriverKit C++), and the public
    report (None, and label "modelled", where there is none)."""

    stack: str
    name: str
    description: str
    code: str
    language: str
    report: str | None
    label: str

    def __post_init__(self) -> None:
        check_label(self.label)


@dataclass(frozen=True)
class BugResult:
    """One run of a classic bug on one buffer: where the buggy code reads, where the data is."""

    bug: ClassicBug
    index: int
    correct_offset: int
    read_offset: int

    @property
    def offset_error(self) -> int:
        """Bytes the buggy read is off: read − correct (negative: too early)."""
        return self.read_offset - self.correct_offset


class StackLayout:
    """The interface every stack's layout has (a mixin for frozen dataclasses).

    A subclass sets ``stack`` and ``origin`` and provides the shared sizes (as fields or
    properties), ``buffer_count``, ``memory_size``, ``_buffer_offset(i)``, ``own_fields()``
    and ``provenance`` (shared field name -> :class:`Source`).
    """

    stack: ClassVar[str] = ""
    #: What offset 0 is, in the stack's words (e.g. "U = umem_area").
    origin: ClassVar[str] = ""

    # -- where buffers are ----------------------------------------------------------------
    def buffer_offset(self, index: int) -> int:
        """Offset of buffer ``index``'s first byte from the origin."""
        return self._buffer_offset(self._check_index(index))

    def buffer_offsets(self, count: int | None = None) -> list[int]:
        """Offsets of the first ``count`` buffers (all of them by default), in index order."""
        return [self._buffer_offset(i) for i in range(self._count(count))]

    def data_offset(self, index: int) -> int:
        """Offset of buffer ``index``'s first data byte: buffer start + first_data_offset."""
        return self.buffer_offset(index) + self.first_data_offset

    def data_offsets(self, count: int | None = None) -> list[int]:
        """Offsets of the first data byte of the first ``count`` buffers."""
        return [o + self.first_data_offset for o in self.buffer_offsets(count)]

    # -- one stride, described for the pictures -------------------------------------------
    def regions(self) -> tuple[Region, ...]:
        """One stride of memory, in order and without gaps, from ``stride_start`` for
        ``stride`` bytes; the one "data" region is ``usable_size`` bytes from
        ``first_data_offset`` (none when nothing is usable).
        This default (headroom, data, padding up to the stride) suits a stack whose buffers
        hold nothing but packet bytes; stacks with more in a stride say so themselves."""
        first, size = self.first_data_offset, self.buffer_size
        regions = [
            Region(0, first, "headroom", "headroom"),
            Region(first, size, "data", "room for data"),
            Region(size, self.stride, "pad", "unused"),
        ]
        return tuple(r for r in regions if r.size)

    @property
    def stride_start(self) -> int:
        """Where a buffer's stride begins, from the buffer's start (0, or negative when the
        stack keeps a header in front of each buffer)."""
        return self.regions()[0].start

    # -- reports --------------------------------------------------------------------------
    def summary(self, count: int | None = None) -> dict:
        """The shared keys (SHARED_KEYS), then the stack's own fields under the stack's
        name, then the provenance of each shared value."""
        return {
            "stack": self.stack,
            "requested_buffer_size": self.requested_buffer_size,
            "buffer_size": self.buffer_size,
            "usable_size": self.usable_size,
            "stride": self.stride,
            "headroom": self.headroom,
            "first_data_offset": self.first_data_offset,
            "buffer_count": self.buffer_count,
            "memory_size": self.memory_size,
            "buffer_offsets": self.buffer_offsets(count),
            "origin": self.origin,
            self.stack: self.own_fields(count),
            "provenance": {key: src.as_dict() for key, src in self.provenance.items()},
        }

    # -- helpers --------------------------------------------------------------------------
    def _check_index(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"buffer index {index!r} is not an integer")
        if not 0 <= index < self.buffer_count:
            raise IndexError(f"buffer index {index} is outside 0..{self.buffer_count - 1}")
        return index

    def _count(self, count: int | None) -> int:
        if count is None:
            return self.buffer_count
        if count < 0:
            raise ValueError(f"count {count} is negative")
        return min(count, self.buffer_count)
