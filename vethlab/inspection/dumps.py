"""Getting a dump to inspect: from a running app, from a simulated Mac whose numbers are kept
hidden, and from frames a real Linux kernel sent.

::

    app ──IOConnectMapMemory64(connect, kPoolMemoryType, read-only)──► dext's
        CopyClientMemoryForType ──► the pool's CopyMemoryDescriptor
    app: its own mapping's bytes, from the first ──► the dump (a file, as the C app writes it)

:func:`dump_of` is the app side, as the C of notebook 07 does it with IOKit.framework.
:func:`hidden_pool` boots a Mac whose profile, boot segment, requested buffer size, headroom
and flows are drawn from a seed and kept aside, for the dump to be inspected before they are
revealed. :func:`kernel_frames` reads the frames of ``tap_frames.pcap`` (a real kernel's,
captured by ``tools/capture_tap_frames.py``, shipped with the package) and
:func:`dump_of_frames` lays frames into a pool's buffers.

Provenance: the calls are documented; the hidden pools and the laying of frames are modelled.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from importlib import resources

import dpkt
import numpy as np

from vethlab.handoff.app import QuestionApp
from vethlab.handoff.user_client import kPoolMemoryType
from vethlab.iokit import (
    App,
    IOConnection,
    IOConnectMapMemory64,
    IOConnectUnmapMemory64,
    kIOMapAnywhere,
    kIOMapReadOnly,
)
from vethlab.ioreturn import IOReturnError, kIOReturnSuccess
from vethlab.model.memory import Mac
from vethlab.question.dext import PacketDext
from vethlab.question.scenario import frame_room
from vethlab.wire.frames import STANDARD_MAX_FRAME_LEN, mixed_frames

__all__ = ["dump_of", "HiddenPool", "hidden_pool", "kernel_frames", "dump_of_frames"]


def dump_of(app: App, connect: IOConnection, path=None) -> bytes:
    """Map the pool read-only into ``app`` through ``connect`` (``IOConnectMapMemory64`` with
    ``kPoolMemoryType``), copy every byte of the mapping from its first, unmap it, and return
    the bytes; with ``path``, also write them there. A failing call raises ``IOReturnError``
    with its code."""
    kr, address, size = IOConnectMapMemory64(
        connect, kPoolMemoryType, app, 0, kIOMapAnywhere | kIOMapReadOnly
    )
    if kr != kIOReturnSuccess:
        raise IOReturnError(kr, f"IOConnectMapMemory64 of memory type {kPoolMemoryType} failed")
    try:
        data = app.task.read(address, size)
    finally:
        IOConnectUnmapMemory64(connect, kPoolMemoryType, app, address)
    if path is not None:
        with open(os.fspath(path), "wb") as f:
            f.write(data)
    return data


#: What :func:`hidden_pool` draws from (one value of each per seed).
HIDDEN_CHOICES = {
    "profile": ("apple-silicon", "intel"),
    "boot_segment_size": (65536, 81920),
    "requested_buffer_size": (1200, 1500, 1600, 2048, 3000, 4000),
    "headroom": (0, 8, 16, 32),
    "native_share": (0.0, 0.25, 0.5),
}


@dataclass
class HiddenPool:
    """A running dext and app whose numbers are kept aside: ``hidden`` holds what the Mac, the
    dext and the host stack chose (reveal it after inspecting ``dump``)."""

    dext: PacketDext
    app: QuestionApp
    dump: bytes
    hidden: dict


def hidden_pool(seed: int, packets: int = 48) -> HiddenPool:
    """Boot a Mac with numbers drawn from ``seed`` (:data:`HIDDEN_CHOICES`), start the dext
    with ``packets`` packets, open an app, send a round of frames that the app takes (their
    bytes stay in the buffers), send a second round that waits, and dump the pool as the app
    maps it (:func:`dump_of`)."""
    rng = random.Random(seed)
    pick = {k: rng.choice(v) for k, v in HIDDEN_CHOICES.items()}
    mac = Mac(pick["profile"], pick["boot_segment_size"], seed)
    dext = PacketDext(mac, buffer_size=pick["requested_buffer_size"], packets=packets)
    dext.Start()
    app = QuestionApp(dext, "per_packet")
    kr = app.open()
    if kr != kIOReturnSuccess:
        raise IOReturnError(kr, "the app could not open the dext")
    headroom = pick["headroom"]
    room = min(frame_room(dext.pool, headroom, headroom + 2), STANDARD_MAX_FRAME_LEN)
    dext.transmit(mixed_frames(packets, seed=seed + 1, max_len=room), headroom=headroom)
    app.run()  # the app takes them; the buffers keep their bytes
    native = 0
    for frame in mixed_frames(packets, seed=seed, max_len=max(room // 2, 128)):
        is_native = rng.random() < pick["native_share"]
        native += is_native
        offset = headroom + 2 if is_native else headroom
        dext.transmit([frame], headroom=headroom, data_offset=offset)
    layout = dext.pool.layout
    hidden = {
        **pick,
        "page_size": layout.page_size,
        "buffer_size": layout.buffer_size,
        "segment_size": layout.segment_size,
        "segment_count": layout.segment_count,
        "packets": packets,
        "native_frames": native,
        "dump_size": 0,
    }
    dump = dump_of(app.app, app.connect)
    hidden["dump_size"] = len(dump)
    return HiddenPool(dext, app, dump, hidden)


def kernel_frames(path=None) -> list[bytes]:
    """The frames of a pcap, in order: by default ``tap_frames.pcap``, the frames a real Linux
    kernel sent through the TAP path (shipped with vethlab)."""
    if path is None:
        with resources.files("vethlab.inspection").joinpath("tap_frames.pcap").open("rb") as f:
            return [bytes(buf) for _, buf in dpkt.pcap.Reader(f)]
    with open(os.fspath(path), "rb") as f:
        return [bytes(buf) for _, buf in dpkt.pcap.Reader(f)]


def dump_of_frames(
    frames, buffer_size: int, *, segment_size: int = 65536, data_offset: int = 8, buffers=None
) -> bytes:
    """Lay ``frames`` into buffers as a pool holds them: buffer i at i × ``buffer_size``
    inside segments of ``segment_size`` bytes (a segment's unused tail left zero), frame i at
    ``data_offset`` in buffer i. ``buffers`` (default: one per frame) sets the pool's size."""
    frames = [bytes(f) for f in frames]
    buffers = len(frames) if buffers is None else buffers
    if not 0 < buffer_size <= segment_size or len(frames) > buffers:
        raise ValueError("need 0 < buffer_size <= segment_size and a buffer for every frame")
    per_segment = segment_size // buffer_size
    memory = np.zeros(-(-buffers // per_segment) * segment_size, np.uint8)
    for i, frame in enumerate(frames):
        if data_offset + len(frame) > buffer_size:
            raise ValueError(f"frame {i} ({len(frame)} bytes) does not fit in its buffer")
        start = (i // per_segment) * segment_size + (i % per_segment) * buffer_size + data_offset
        memory[start : start + len(frame)] = np.frombuffer(frame, np.uint8)
    return memory.tobytes()
