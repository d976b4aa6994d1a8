"""One buffer's anatomy: regions from the packet's accessors, and where the three formulas land."""

import itertools

import pytest
from hypothesis import given, settings, strategies as st
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from vethlab import IOService, IOUserNetworkPacketBufferPool, Mac
from vethlab.ioreturn import BadArgument
from vethlab.pictures.anatomy import _ByteAxis, draw_buffer_anatomy
from vethlab.pictures.style import COLORS
from vethlab.question.scenario import QuestionDext
from vethlab.wire.host import HostStack, native_flow_data_offset


def dext(buffer_size=2048, packets=64, api="current", quirk=False, profile="apple-silicon"):
    """A started QuestionDext on a Mac with 64 KiB segments (32 buffers of 2048 per segment)."""
    mac = Mac(profile, 65536, 0, requested_stride_quirk=quirk)
    d = QuestionDext(mac, buffer_size, packets, api)
    d.Start()
    return d


def packet(d, index, headroom=8, data_offset=None, length=98, link=14):
    """Packet ``index`` of ``d``'s pool, allocated and set up through its own setters."""
    held = [d.pool.allocatePacket() for _ in range(index + 1)]
    p = held[index]
    p.SetHeadroom(headroom)
    p.setDataOffsetAndLength(headroom if data_offset is None else data_offset, length)
    p.setLinkHeaderLength(link)
    return p


def draw(p, **kwargs):
    ax = Figure(figsize=(10, 5)).add_subplot()  # not pyplot: many figures, none kept open
    return draw_buffer_anatomy(ax, p, **kwargs)


def errors(ax):
    return {key: landing.error for key, landing in ax.vethlab["landings"].items()}


def test_bsd_socket_packet_regions_come_from_the_accessors():
    """A BSD-socket packet: headroom, link header, payload and tailroom tile the buffer exactly."""
    ax = draw(packet(dext(), 3))
    rec = ax.vethlab
    assert rec["regions"] == [
        ("headroom", 0, 8),
        ("link header", 8, 22),
        ("payload", 22, 106),
        ("tailroom", 106, 2048),
    ]
    assert (rec["index"], rec["segment"], rec["segment_offset"], rec["buffer_offset"]) == (
        3,
        0,
        6144,
        6144,
    )
    assert (rec["headroom"], rec["data_offset"], rec["data_length"], rec["tailroom"]) == (
        8,
        8,
        98,
        1942,
    )
    assert rec["zoom"] >= 8 + 14 and rec["zoom"] % 16 == 0


def test_first_attempt_forgets_the_headroom_fix_and_todays_api_are_right():
    """Trap 2: base + segment offset lands 8 bytes before the frame; the fix and today's API land on it."""
    ax = draw(packet(dext(), 3))
    assert errors(ax) == {"first_attempt": -8, "question_fix": 0, "current_api": 0}
    landings = ax.vethlab["landings"]
    assert [landings[k].within for k in ("first_attempt", "question_fix", "current_api")] == [
        0,
        8,
        8,
    ]
    assert all(landing.buffer == 3 for landing in landings.values())


def test_native_flow_breaks_the_fix_by_two_bytes_and_is_labelled():
    """Trap 3: data offset = headroom + 2 puts the fix 2 bytes early; today's API stays right."""
    ax = draw(packet(dext(), 3, data_offset=native_flow_data_offset(8)))
    assert errors(ax) == {"first_attempt": -10, "question_fix": -2, "current_api": 0}
    assert ("gap", 8, 10) in ax.vethlab["regions"]
    assert ("observed", "native flows: the frame starts 2 bytes past the headroom") in ax.vethlab[
        "notes"
    ]


def test_second_segment_packet_shows_segment_offset_is_not_a_pool_offset():
    """Trap 4: in segment 1, base + segment offset lands a whole segment early, in buffer index − 32."""
    ax = draw(packet(dext(), 40, data_offset=8))
    rec = ax.vethlab
    assert (rec["segment"], rec["segment_offset"]) == (1, 8 * 2048)
    landings = rec["landings"]
    assert landings["first_attempt"].error == -(65536 + 8)
    assert (landings["first_attempt"].buffer, landings["question_fix"].buffer) == (8, 8)
    assert landings["current_api"].error == 0
    assert ("modelled", "one descriptor, its segments laid end to end") in rec["notes"]
    assert not any("size rule" in note for _, note in rec["notes"])  # 2048 asked, 2048 given
    assert "earlier\nin the\npool" in [t.get_text() for t in ax.texts]


def test_arrows_off_the_same_edge_are_ordered_by_how_far_their_byte_is():
    """Two arrows leaving by the left edge: the one whose byte is farther away is farther out."""
    ax = draw(packet(dext(), 40, data_offset=8))
    x = ax.vethlab["arrow_x"]
    assert x["first_attempt"] < x["question_fix"] < 0 < x["current_api"] < 1
    d = dext(buffer_size=1600, packets=64, quirk=True)
    x = draw(packet(d, 10)).vethlab["arrow_x"]  # 4488 and 4480 bytes early
    assert x["first_attempt"] < x["question_fix"] < 0


def test_question_pool_with_the_quirk_and_without_map_to_dext():
    """The question's pool: the reported stride is labelled, and today's API without the flag faults."""
    d = dext(buffer_size=1600, packets=32, api="question", quirk=True)
    host = HostStack(d.pool)
    sent = [host.transmit(bytes(range(60)), headroom=8) for _ in range(6)]
    ax = draw(sent[5])
    rec = ax.vethlab
    assert rec["segment_offset"] == 5 * 1600 and rec["buffer_offset"] == 5 * 2048
    first = rec["landings"]["first_attempt"]
    assert first.error == -(5 * 448 + 8) and first.buffer == 3
    today = rec["landings"]["current_api"]
    assert today.pool_offset is None and today.fault and today.address == 5 * 2048 + 8
    labels = {label for label, _ in rec["notes"]}
    assert {"reported", "source", "observed", "documented"} <= labels
    assert ("observed", "without PoolFlagMapToDext the address is a pool offset") in rec["notes"]
    assert (
        "source",
        "bufferSize 1600 → 2048 by XNU's size rule (that DriverKit pools use it is undocumented)",
    ) in rec["notes"]
    assert "the real offset is 10240" in ax.get_title(loc="left")


def test_region_patches_use_the_shared_palette():
    """Each region is one rectangle in its palette colour, plus one outline of the whole buffer."""
    ax = draw(packet(dext(), 0))
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    filled = [p for p in rects if p.get_fill()]
    assert len(filled) == len(ax.vethlab["regions"])
    want = [COLORS["headroom"], COLORS["link_header"], COLORS["payload"], COLORS["tailroom"]]
    assert [to_hex(p.get_facecolor()) for p in filled] == [c.lower() for c in want]
    assert len(rects) == len(filled) + 1


def test_redrawing_replaces_the_picture():
    """Drawing again on the same axes leaves one picture, not two."""
    p = packet(dext(), 1)
    ax = draw(p)
    count = (len(ax.patches), len(ax.texts))
    draw_buffer_anatomy(ax, p)
    assert (len(ax.patches), len(ax.texts)) == count


def test_addresses_are_labelled_in_the_chosen_mapping():
    """The base and frame are labelled in the dext mapping by default, or in the mapping given."""
    d = dext()
    p = packet(d, 2)
    texts = [t.get_text() for t in draw(p).texts]
    assert f"frame 0x{d.pool.dext_mapping.address_of(p.frame_offset()):x}" in texts
    texts = [t.get_text() for t in draw(p, mapping=d.pool.kernel_mapping).texts]
    assert f"frame 0x{d.pool.kernel_mapping.address_of(p.frame_offset()):x}" in texts


def test_pool_of_another_owner_draws_todays_api_only():
    """A pool whose owner is not the question's dext gets today's formula only."""
    mac = Mac("intel", 65536, 0)
    pool = IOUserNetworkPacketBufferPool.Create(IOService(mac, "dext"), "p", 4, 4, 2048)
    p = pool.allocatePacket()
    p.setDataOffsetAndLength(0, 60)
    rec = draw(p).vethlab
    assert list(rec["landings"]) == ["current_api"]
    assert rec["landings"]["current_api"].fault is not None


def test_not_a_packet_is_refused():
    """Anything but a packet is a BadArgument naming it."""
    ax = Figure().add_subplot()
    with pytest.raises(BadArgument, match="not an IOUserNetworkPacket"):
        draw_buffer_anatomy(ax, "packet 3")


@given(
    st.integers(64, 65536),
    st.integers(1, 65535),
    st.lists(st.integers(0, 65536), min_size=2, max_size=8),
)
def test_byte_axis_is_monotonic_and_exact_at_the_ends(size, zoom, offsets):
    """The two-piece byte axis keeps byte order, sends 0 to 0 and the buffer's end to 1."""
    axis = _ByteAxis(size, zoom)
    offsets = sorted(min(o, size) for o in offsets)
    xs = [axis(o) for o in offsets]
    assert xs == sorted(xs)
    assert axis(0) == 0.0 and axis(size) == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 255), st.integers(0, 2), st.integers(0, 1500), st.integers(0, 31))
def test_todays_api_always_lands_on_the_frame(headroom, extra, length, index):
    """Whatever the headroom, flow and length, today's API lands on the frame's first byte."""
    d = dext(packets=32)
    p = packet(d, index, headroom=headroom, data_offset=headroom + extra, length=length, link=0)
    rec = draw(p).vethlab
    today = rec["landings"]["current_api"]
    assert (today.error, today.buffer, today.within) == (0, index, headroom + extra)
    assert rec["landings"]["question_fix"].error == -extra
    bounds = [(lo, hi) for _, lo, hi in rec["regions"]]
    assert bounds[0][0] == 0 and bounds[-1][1] == 2048
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))


def test_the_tailroom_label_gives_way_to_the_data_bracket_at_headroom_255():
    """Headroom 255, 98 bytes: "tailroom 1695" would sit on "getDataLength() = 98, link header
    14"; it moves (or is dropped) and no two labels overlap."""
    from vethlab.pictures.labels import overlapping, renderer_of, visible_texts

    ax = draw(packet(dext(), 3, headroom=255, length=98, link=14))
    rec = ax.vethlab
    assert rec["tailroom"] == 2048 - 255 - 98 == 1695
    assert "tailroom 1695" in rec["labels_moved"] + rec["labels_dropped"]
    assert overlapping(visible_texts(ax), renderer_of(ax.figure)) == []
