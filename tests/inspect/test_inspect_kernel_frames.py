"""Dumps made from frames a real Linux kernel sent through the TAP path (tests/data/
tap_frames.pcap, captured once by tools/capture_tap_frames.py): inspect recovers their layout.

The kernel's frames are not padded (its ARP request is 42 bytes, a 1-byte UDP datagram 43), its
IPv4 identification fields and checksums are its own, and none of them was built by vethlab."""

from pathlib import Path

import dpkt
import pytest
from dumps import build
from test_inspect_matrix import GEOMETRIES, check

import vethlab

PCAP = Path(vethlab.inspection.__file__).with_name("tap_frames.pcap")  # the one copy


@pytest.fixture(scope="module")
def kernel_frames():
    with open(PCAP, "rb") as f:
        frames = [bytes(buf) for _, buf in dpkt.pcap.Reader(f)]
    assert len(frames) >= 10
    return frames


def test_the_capture_is_the_kernels(kernel_frames):
    assert kernel_frames[0][12:14] == b"\x08\x06" and len(kernel_frames[0]) == 42
    assert min(len(f) for f in kernel_frames) < 60  # unpadded, as the kernel hands them over
    result = vethlab.inspection.find_frames(b"".join(f + bytes(16) for f in kernel_frames))
    assert len(result) == len(kernel_frames)  # every one recognised by its own structure


@pytest.mark.parametrize(("stride", "segment"), GEOMETRIES)
@pytest.mark.parametrize("headroom", [0, 8, 16])
@pytest.mark.parametrize("native", [0.0, 0.4])
@pytest.mark.parametrize("stale", [False, True])
def test_dumps_of_kernel_frames(kernel_frames, stride, segment, headroom, native, stale):
    buffers = 2 * (segment // stride) + 5
    dump, pool = build(
        stride,
        segment,
        buffers,
        headroom=headroom,
        native=native,
        stale=stale,
        frames=kernel_frames,
        before=4096 * (headroom // 8),
        seed=headroom,
    )
    result = vethlab.inspect(dump)
    check(result, dump, pool)
    assert result.headroom == headroom
