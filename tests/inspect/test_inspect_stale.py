"""Current frames told from stale ones, and dumps that give no answer."""

import random

import numpy as np
import pytest
from dumps import build, frame

import vethlab


def _put(mem, offset, data):
    mem[offset : offset + len(data)] = np.frombuffer(data, np.uint8)


def test_an_earlier_pools_frames_run_into_the_current_ones():
    """Frames of an earlier pool at a 1664-byte stride, then the current pool's at 2048: an old
    frame whose header survived but whose declared length runs into a current frame's start is
    stale; so is one that survived whole but sits off the stride."""
    rng = random.Random(1)
    mem = np.zeros(64 * 2048, np.uint8)
    old_offsets = [i * 1664 + 8 for i in range(60)]
    for off in old_offsets:
        _put(mem, off, frame("udp4", 1400, rng))
    new_offsets = [i * 2048 + 8 for i in range(64)]
    for off in new_offsets:
        _put(mem, off, frame(rng.choice(["arp", "icmp4", "udp6"]), 200, rng))
    result = vethlab.inspect(mem)
    assert result.buffer_size == 2048 and result.headroom == 8
    current = sorted(f["offset"] for f in result.frames if not f["stale"])
    assert current == new_offsets
    stale = [f for f in result.frames if f["stale"]]
    assert stale, "some old headers survive between the new frames"
    assert all(f["offset"] in old_offsets for f in stale)
    whys = [result.found.why[i] for i in np.flatnonzero(result.found.stale)]
    assert any("runs into the frame at" in w for w in whys)


def test_a_frame_overwritten_at_its_start_is_stale():
    """A later frame whose checksum holds over all its bytes covers the start of an earlier one
    whose header (EtherType onwards) survived: the earlier one is the stale one."""
    rng = random.Random(2)
    mem = np.zeros(16 * 2048, np.uint8)
    for i in range(16):
        _put(mem, i * 2048 + 8, frame("icmp4", 300, rng))
    # In buffer 5: an old frame, then a later ICMP frame at 8 whose end covers the old frame's
    # first 6 bytes (its destination MAC), not its source MAC or EtherType.
    new = frame("icmp4", 1000, rng)
    old_at = 5 * 2048 + 8 + len(new) - 6
    _put(mem, old_at, frame("udp6", 400, rng))
    _put(mem, 5 * 2048 + 8, new)
    result = vethlab.inspect(mem)
    by_offset = {f["offset"]: f for f in result.frames}
    assert by_offset[old_at]["stale"]
    assert not by_offset[5 * 2048 + 8]["stale"]
    assert result.buffer_size == 2048


def test_a_second_frame_in_a_buffer_is_stale():
    rng = random.Random(3)
    mem = np.zeros(16 * 2048, np.uint8)
    for i in range(16):
        _put(mem, i * 2048 + 8, frame("icmp4", 120, rng))
    _put(mem, 3 * 2048 + 1024, frame("arp", 60, rng))  # a leftover, in the same buffer
    result = vethlab.inspect(mem)
    f = next(f for f in result.frames if f["offset"] == 3 * 2048 + 1024)
    assert f["stale"] and f["buffer"] == 3 and f["data_offset"] == 1024
    assert len(result.current) == 16


def test_a_frame_carried_in_a_payload_is_not_a_frame():
    """A frame inside a UDP payload whose checksum holds is data (as in a tunnel)."""
    import dpkt

    rng = random.Random(4)
    mem = np.zeros(16 * 2048, np.uint8)
    inner = frame("icmp4", 200, rng)
    for i in range(16):
        udp = dpkt.udp.UDP(sport=4789, dport=4789, data=b"\x00" * 8 + inner)
        udp.ulen = len(udp)
        ip = dpkt.ip.IP(src=bytes(4), dst=bytes([10, 0, 0, 1]), p=17, ttl=64, data=udp)
        ip.len = len(ip)
        eth = dpkt.ethernet.Ethernet(
            src=bytes.fromhex("020000000001"), dst=bytes(6), type=dpkt.ethernet.ETH_TYPE_IP, data=ip
        )
        _put(mem, i * 2048 + 8, bytes(eth))
    result = vethlab.inspect(mem)
    assert len(result.frames) == 16 and result.found.payload_hits == 16
    assert result.buffer_size == 2048


def test_hardware_checksum_accepted_with_lower_confidence():
    rng = random.Random(5)
    mem = np.zeros(32 * 2048, np.uint8)
    for i in range(32):
        f = bytearray(frame("udp4", 300, rng))
        if i % 2:
            f[24:26] = b"\x00\x00"  # the IPv4 header checksum left to the hardware
        _put(mem, i * 2048 + 8, bytes(f))
    result = vethlab.inspect(mem)
    assert len(result.current) == 32 and result.buffer_size == 2048
    assert result.confidence < 0.95
    assert any("no checksum" in r for r in result.reasons)
    assert int(result.found.hw_checksum.sum()) == 16


def test_a_wrong_checksum_is_not_a_frame():
    rng = random.Random(6)
    mem = np.zeros(8 * 2048, np.uint8)
    for i in range(8):
        f = bytearray(frame("udp4", 300, rng))
        f[24] ^= 0x5A
        _put(mem, i * 2048 + 8, bytes(f))
    result = vethlab.inspect(mem)
    assert len(result.frames) == 0 and not result.answered


# -- no answer -----------------------------------------------------------------------------------


def _no_answer(result):
    assert not result.answered
    assert result.buffer_size is None and result.headroom is None
    assert result.buffer0_offset is None and result.confidence == 0.0
    assert any(r.startswith("no answer") for r in result.reasons)
    out = result.to_json()
    assert (out["buffer_size"] is None and out["frames"] == []) or out["buffers"] == []


def test_zeros():
    _no_answer(vethlab.inspect(bytes(1 << 20)))


def test_empty():
    _no_answer(vethlab.inspect(b""))


@pytest.mark.parametrize("seed", range(4))
def test_random_bytes(seed):
    data = np.random.default_rng(seed).integers(0, 256, 4 << 20, dtype=np.uint8)
    _no_answer(vethlab.inspect(data))


@pytest.mark.parametrize("count", [1, 2])
def test_one_or_two_frames(count):
    dump, _ = build(2048, 65536, count, stale=False)
    result = vethlab.inspect(dump)
    _no_answer(result)
    assert len(result.frames) == count


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("aligned", [False, True])
def test_frames_on_no_stride(seed, aligned):
    """Twenty frames at random places agree on no stride, whether their offsets modulo 64 are
    random or a few (then only the stride, beyond chance, can refuse)."""
    rng = random.Random(seed)
    mem = np.zeros(1 << 20, np.uint8)
    for slot in sorted(rng.sample(range(500), 20)):  # 20 of 500 slots of 2000 bytes
        at = slot * 2000 + rng.randrange(1800)
        at = at - at % 64 + 8 if aligned else at
        _put(mem, at, frame("icmp4", 100, rng))
    _no_answer(vethlab.inspect(mem))


def test_bad_page_size():
    with pytest.raises(vethlab.IOReturnError):
        vethlab.inspect(b"", page_size=3000)
