"""Hex dumps: the bytes, what each one is (from the model's records), in text and in colour."""

import matplotlib.pyplot as plt
import pytest

from vethlab.driverkit.service import IOService
from vethlab.model.memory import Mac
from vethlab.networkingdriverkit.pool import IOUserNetworkPacketBufferPool
from vethlab.pictures.hexdump import (
    REGION_CODES,
    HexDump,
    Region,
    draw_hexdump,
    first_junk_packet,
    hexdump_text,
    pool_dump,
    reading_dumps,
)
from vethlab.question.scenario import run_method
from vethlab.wire.frames import APP, HOST, arp_request, fields
from vethlab.wire.host import HostStack


@pytest.fixture(scope="module")
def first_attempt():
    return run_method("first_attempt", segment_size=65536)


def test_hexdump_text_golden():
    """Address, two halves of eight bytes, ASCII; codes and whose bytes under each line."""
    regions = [
        Region(0, 4, "headroom", "", 1),
        Region(4, 18, "link_header", "eth", 1),
        Region(18, 20, "stale", "", 2),
    ]
    text = hexdump_text(bytes(range(0x41, 0x55)), regions, 0x1000, marks=[(4, "frame")])
    assert text.splitlines() == [
        "0x1000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|",
        "        hh hh hh hh LL LL LL LL  LL LL LL LL LL LL LL LL   packet 1's headroom, packet 1's frame",
        "                    ^ frame",
        "0x1010  51 52 53 54                                       |QRST|",
        "        LL LL ss ss                                        packet 1's frame, stale bytes of packet 2",
        "codes: h headroom (before the frame), L link header, s stale bytes of an earlier frame",
    ]


def test_hexdump_text_without_codes_is_plain():
    """codes=False gives the classic three columns only."""
    assert hexdump_text(b"\x00\xff", codes=False) == "0x0000  00 ff" + " " * 45 + "|..|"


def test_pool_dump_of_a_frame_names_its_fields():
    """A dump of one buffer's front: headroom, then the ARP frame's fields, each its kind."""
    mac = Mac("apple-silicon", 65536, 0)
    pool = IOUserNetworkPacketBufferPool.Create(IOService(mac, "dext"), "p", 2, 2, 2048)
    host = HostStack(pool)
    frame = arp_request(HOST, APP.ipv4)
    host.transmit(frame, headroom=8)
    dump = pool_dump(pool, host, 0, 80)
    assert dump.data[8:68] == frame and dump.base_address == 0
    kinds = [(r.start, r.end, r.kind) for r in dump.regions]
    assert kinds[0] == (0, 8, "headroom")
    expected = [(s + 8, e + 8) for _, s, e in fields(frame)]
    assert [(s, e) for s, e, _ in kinds[1:-1]] == expected
    assert kinds[1][2] == "link_header" and kinds[4][2] == "network_header"
    assert kinds[-1] == (68, 80, "tailroom")
    assert dump.regions[1].label == "eth.dst of packet 0"


def test_pool_dump_of_a_free_buffer_is_zero_and_past_the_end_is_cut():
    """A free buffer's bytes are zero; a dump stops at the end of the pool."""
    mac = Mac("apple-silicon", 65536, 0)
    pool = IOUserNetworkPacketBufferPool.Create(IOService(mac, "dext"), "p", 1, 1, 2048)
    dump = pool_dump(pool, HostStack(pool), 2040, 100)
    assert len(dump.data) == 100
    assert dump.regions == [
        Region(0, 8, "zero", "zero, in free buffer 0", 0),
        Region(8, 100, "unused", "in no buffer"),
    ]  # the segment's tail
    # one buffer: XNU shrinks the segment to 16 KiB, where the pool ends
    assert len(pool_dump(pool, HostStack(pool), 16348, 100).data) == 36


def test_reading_dumps_show_the_junk_and_the_real_frame(first_attempt):
    """Packet 7's first attempt reads packet 5's payload; its own frame is 3144 bytes on."""
    assert first_junk_packet(first_attempt) == 7
    junk, frame = reading_dumps(first_attempt, 7, 64)
    reading = first_attempt.readings[7]
    mapping = first_attempt.dext.pool_map
    assert junk.base_address == reading.read_address == mapping.address_of(reading.read_offset)
    assert frame.base_address == mapping.address_of(reading.frame_offset)
    assert {r.packet for r in junk.regions} == {5}
    assert frame.regions[0].kind == "link_header" and frame.regions[0].packet == 7
    assert frame.data == reading.frame[:64] and junk.data == reading.read[:64]
    assert "3144 bytes too early" in frame.title
    assert junk.marks == ((0, "the question's first attempt reads packet 7 here"),)


def test_no_junk_when_every_read_is_right():
    """Today's API reads every frame: there is no junk to show."""
    assert first_junk_packet(run_method("current_api", segment_size=65536)) is None


def test_draw_hexdump_colours_every_byte(first_attempt):
    """One cell per byte, one hex text per byte, the kinds recorded, marks kept."""
    junk, _ = reading_dumps(first_attempt, 7, 40)
    _fig, ax = plt.subplots()
    draw_hexdump(ax, junk)
    rec = ax.vethlab
    assert rec["rows"] == 3 and rec["bytes"] == 40
    assert len(ax.collections[0].get_paths()) == 40
    assert rec["kinds"] == ["payload"] * 40
    assert rec["marks"] == list(junk.marks) and rec["base_address"] == junk.base_address
    hex_texts = [t.get_text() for t in ax.texts if len(t.get_text()) == 2]
    assert hex_texts == [f"{b:02x}" for b in junk.data]


def test_hexdump_unpacks_into_data_regions_address():
    """draw_hexdump(ax, *dump) works as well as draw_hexdump(ax, dump)."""
    dump = HexDump(b"ab", [Region(0, 2, "stale")], 0x10)
    data, _regions, base = dump
    assert (data, base) == (b"ab", 0x10)
    _fig, ax = plt.subplots()
    draw_hexdump(ax, *dump)
    assert ax.vethlab["kinds"] == ["stale", "stale"]


def test_every_region_kind_has_a_code_and_a_colour():
    """Each kind prints as a distinct letter."""
    assert len(set(REGION_CODES.values())) == len(REGION_CODES)
