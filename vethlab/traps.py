"""The traps: one numbered table of the ways code that reads a packet's bytes goes wrong.

Every notebook, the README, ``vethlab check`` and the pictures name a trap by its number and
its name from this table, and by nothing else. Numbers 1 to 8 are the model's from the start;
new traps take the next numbers and a number is never reused.

Each row says what goes wrong, the code that falls in (C++ as a dext would write it), where a
notebook shows it, and how we know (one of the five provenance labels,
:mod:`vethlab.model.provenance`). A trap's provenance is that of the behaviour that makes the
code wrong: trap 1 is only as sure as the report that a 1600-byte request became 2048 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

from vethlab.model.provenance import LABELS

__all__ = ["Trap", "Showing", "TRAPS", "markdown_table", "trap", "trap_title"]


@dataclass(frozen=True)
class Showing:
    """Where a notebook shows a trap: the notebook's file stem and the heading of the section."""

    notebook: str
    section: str

    @property
    def anchor(self) -> str:
        """The section's anchor as JupyterLab and GitHub write it: spaces become dashes."""
        return self.section.replace(" ", "-")

    def link(self, prefix: str = "") -> str:
        """A Markdown link to the section, relative to ``prefix`` (a notebook beside it: "")."""
        return f"[{self.notebook} § {self.section}]({prefix}{self.notebook}.ipynb#{self.anchor})"


@dataclass(frozen=True)
class Trap:
    """One trap: its number and name, what goes wrong, the code that falls in, and where to see it."""

    number: int
    name: str
    what_goes_wrong: str
    code: str
    shown_in: tuple[Showing, ...]
    provenance: str

    def __post_init__(self) -> None:
        if self.provenance not in LABELS:
            raise ValueError(
                f"trap {self.number}: provenance {self.provenance!r}; allowed: {', '.join(LABELS)}"
            )

    @property
    def title(self) -> str:
        """How the notebooks name it: "trap 3 (headroom used as the data offset)"."""
        return f"trap {self.number} ({self.name})"

    @property
    def summary(self) -> str:
        """The first sentence of what goes wrong: the one line the README's list gives."""
        return re.split(r"(?<=\.)\s+(?=[A-Z])", self.what_goes_wrong, maxsplit=1)[0]


_TRAPS = (
    Trap(
        1,
        "wrong stride",
        "The offsets are computed with the requested bufferSize instead of the buffer size the "
        "pool really uses, so buffer i is looked for i × (real − requested) bytes too early: "
        "448 more bytes per buffer when 1600 became 2048.",
        "base + index * 1600",
        (
            Showing("01_the_question", "The first attempt"),
            Showing("01_the_question", "The error grows with the slot"),
            Showing("03_pool_layout", "The size rule"),
            Showing("08_the_answer", "Every trap at once"),
            Showing("09_exercises", "Exercise 1: frame_address"),
        ),
        "reported",
    ),
    Trap(
        2,
        "forgotten headroom / data offset",
        "The frame does not start at the buffer's first byte but at its data offset (the "
        "headroom the interface reserved): a read at the buffer's start is that many bytes early.",
        "packet->getDataVirtualAddress()",
        (
            Showing("01_the_question", "The fix"),
            Showing("04_one_buffer", "The buffer, byte by byte"),
            Showing("09_exercises", "Exercise 1: frame_address"),
        ),
        "documented",
    ),
    Trap(
        3,
        "headroom used as the data offset",
        "Adding the headroom is right only while the data offset equals it; a native-flow (Network"
        ".framework) TX packet arrives with a data offset 2 bytes larger, so the read is 2 bytes "
        "early.",
        "packet->GetHeadroom(&headroom); frame = packet->getDataVirtualAddress() + headroom;",
        (
            Showing("01_the_question", "When the fix breaks: a frame 2 bytes in"),
            Showing("04_one_buffer", "A native flow: the fix is 2 bytes early"),
            Showing("06_interface_end_to_end", "Data offsets: BSD sockets and native flows"),
            Showing("09_exercises", "Exercise 1: frame_address"),
        ),
        "reported",
    ),
    Trap(
        4,
        "segment offset taken for a pool offset",
        "A pool of several memory segments: an offset inside a segment, added to the address of "
        "the whole pool's mapping, lands in the first segment, a whole segment too early for every "
        "buffer past it.",
        "poolMapping + packet->GetMemorySegmentOffset()",
        (
            Showing("03_pool_layout", "A segment offset is not a pool offset"),
            Showing("04_one_buffer", "The second segment: a segment offset is not a pool offset"),
            Showing("09_exercises", "Exercise 1: frame_address"),
        ),
        "modelled",
    ),
    Trap(
        5,
        "pool not mapped to the dext",
        "A pool created without PoolFlagMapToDext is mapped nowhere in the dext: what "
        "getDataVirtualAddress() returns is the buffer's offset in the pool, and reading there "
        "faults. Offsets added to a mapping the dext never made (address 0) are the same "
        "mistake: a pool created with the flag but not mapped by the dext itself gives the "
        "question's fix nothing to add them to.",
        "IOUserNetworkPacketBufferPool::CreateWithOptions(this, name, &options /* no PoolFlagMapToDext */, &pool)",
        (
            Showing("05_mapping_memory", "Trap 5: a pool without PoolFlagMapToDext"),
            Showing("09_exercises", "Exercise 1: frame_address"),
        ),
        "observed",
    ),
    Trap(
        6,
        "copy longer than packet_data",
        "Copying getDataLength() bytes into the struct's 1600-byte packet_data: a longer frame "
        "runs over packet_size and whatever follows the struct.",
        "memcpy(out->packet_data, frame, packet->getDataLength())",
        (
            Showing("02_user_client", "The struct, and what a long frame does to it"),
            Showing("08_the_answer", "Every trap at once"),
            Showing("09_exercises", "Exercise 2: get_packet"),
        ),
        "reported",
    ),
    Trap(
        7,
        "whole struct returned",
        "Returning all 1604 bytes of a struct that was not zeroed: the bytes after this frame are "
        "an earlier, longer frame's, and they leak to the app.",
        "return sizeof(GetPacket_Output); /* after copying only getDataLength() bytes */",
        (
            Showing("02_user_client", "The leak: sending the whole struct"),
            Showing("08_the_answer", "Every trap at once"),
            Showing("09_exercises", "Exercise 2: get_packet"),
        ),
        "modelled",
    ),
    Trap(
        8,
        "page size taken as 4096",
        "IOVMPageSize is 16384 on Apple silicon: mappings, offsets and guard pages computed for "
        "4096 are wrong, and a read past a mapping can return another buffer's bytes instead of "
        "faulting.",
        "offset & ~0xFFFull /* 4096-byte pages */",
        (Showing("05_mapping_memory", "Trap 8: pages are 16 KiB on Apple silicon"),),
        "source",
    ),
    Trap(
        9,
        "segment's unused bytes counted as buffers",
        "Code that walks a pool of several segments as one array of equal buffers drifts at "
        "every segment's end. A segment holds a whole number of buffers and the rest of it is "
        "unused: a 64 KiB segment of 1664-byte buffers holds 39 of them and 640 unused bytes.",
        "poolMapping + index * bufferSize /* across segment ends */",
        (
            Showing("03_pool_layout", "The segment follows the pool"),
            Showing("03_pool_layout", "Segments and pages"),
        ),
        "source",
    ),
    Trap(
        10,
        "mapping used after it is released",
        "An address taken from an IOMemoryMap is valid only while the map is held: after "
        "release() the same address faults (or, worse, reads what is mapped there next).",
        "uint8_t *p = (uint8_t *)map->GetAddress(); map->release(); /* ... */ p[0]",
        (
            Showing(
                "05_mapping_memory", "The pool's descriptor: the kernel's mapping and the dext's"
            ),
        ),
        "documented",
    ),
    Trap(
        11,
        "edge-triggered doorbell drained once",
        "The TX doorbell rings when the queue goes from empty to not empty; a dext that takes one "
        "batch per ring and does not look again leaves packets in the queue that no ring will "
        "announce.",
        "txSubmissionQueue->DequeuePackets(packets, kBatch, &count); /* and not again */",
        (Showing("06_interface_end_to_end", "Trap 11: the edge-triggered doorbell"),),
        "modelled",
    ),
    Trap(
        12,
        "packet never completed",
        "A packet taken from TX submission belongs to the dext until it is enqueued on TX "
        "completion; a dext that returns early (an error, a refused copy) without completing it "
        "loses the packet, and the pool runs dry.",
        "if (length > sizeof(out->packet_data)) return kIOReturnNoSpace; /* packet kept */",
        (
            Showing("02_user_client", "A safe GetPacket"),
            Showing("08_the_answer", "Every trap at once"),
            Showing("09_exercises", "Exercise 2: get_packet"),
        ),
        "modelled",
    ),
)

#: Every trap, by number.
TRAPS = MappingProxyType({t.number: t for t in _TRAPS})


def trap(number: int) -> Trap:
    """The trap numbered ``number``; a number that names no trap is refused with the allowed ones."""
    try:
        return TRAPS[number]
    except (KeyError, TypeError):
        raise KeyError(
            f"no trap numbered {number!r}; allowed: {min(TRAPS)}..{max(TRAPS)}"
        ) from None


def markdown_table(prefix: str = "", *, full: bool = False) -> str:
    """The traps as a Markdown table: number, name, what goes wrong, where a notebook shows it.

    ``prefix`` is where the notebooks are, relative to the page the table is in ("" for a
    notebook, "notebooks/" for the README). ``full`` gives the whole text of what goes wrong
    and the provenance; without it, the first sentence only.
    """
    head = "| trap | name | what goes wrong | shown in |"
    rule = "|---|---|---|---|"
    if full:
        head, rule = head + " provenance |", rule + "---|"
    rows = [head, rule]
    for t in TRAPS.values():
        what = t.what_goes_wrong if full else t.summary
        shown = "<br>".join(showing.link(prefix) for showing in t.shown_in)
        row = f"| {t.number} | {t.name} | {what} | {shown} |"
        rows.append(row + f" {t.provenance} |" if full else row)
    return "\n".join(rows)


def trap_title(number: int) -> str:
    """ "trap N (name)", the way every notebook and report names trap ``number``."""
    return trap(number).title
