"""A descriptor and its mappings in two tasks: bands, links, page lines, and simulated faults."""

import itertools
import re

import pytest
from hypothesis import given, strategies as st
from matplotlib.figure import Figure

from vethlab import (
    IOBufferMemoryDescriptor,
    IOService,
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    Mac,
    PoolFlagMapToDext,
)
from vethlab.ioreturn import BadArgument
from vethlab.pictures.mappings import _windows, draw_mappings, probe_address


def pool(profile="apple-silicon", map_to_dext=True, packets=32):
    """A pool of 2048-byte buffers on a Mac with 64 KiB segments."""
    mac = Mac(profile, 65536, 0)
    options = IOUserNetworkPacketBufferPoolOptions(
        packetCount=packets,
        bufferCount=packets,
        bufferSize=2048,
        poolFlags=PoolFlagMapToDext if map_to_dext else 0,
    )
    return IOUserNetworkPacketBufferPool.CreateWithOptions(IOService(mac, "dext"), "pool", options)


def draw(*args, **kwargs):
    ax = Figure(figsize=(10, 6)).add_subplot()
    return draw_mappings(ax, *args, **kwargs)


def test_two_mappings_resolve_one_buffer_at_two_addresses():
    """The dext's and the kernel's mappings show buffer 21 at different addresses, each its own."""
    p = pool()
    rec = draw(p, buffer=21).vethlab
    assert rec["tasks"] == ["dext", "kernel"]
    by_task = {link["task"]: link for link in rec["links"]}
    assert by_task["dext"]["address"] == p.dext_mapping.address_of(21 * 2048)
    assert by_task["kernel"]["address"] == p.kernel_mapping.address_of(21 * 2048)
    assert by_task["dext"]["address"] != by_task["kernel"]["address"]
    assert all(link["whole"] and link["asked"] for link in rec["links"])
    assert rec["key"][-1] == "the buffer, and where it is"
    assert [m["task"] for m in rec["mappings"]] == ["dext", "kernel"]
    assert rec["faults"] == []


def test_page_lines_follow_the_machine_page_size():
    """A 64 KiB pool has 3 inner page boundaries with 16 KiB pages and 15 with 4 KiB pages."""
    assert draw(pool("apple-silicon")).vethlab["page_lines"] == 3
    assert draw(pool("intel")).vethlab["page_lines"] == 15
    assert [m["pages"] for m in draw(pool("intel")).vethlab["mappings"]] == [16, 16]


def test_without_map_to_dext_the_data_address_is_an_offset_and_faults():
    """Trap 5: getDataVirtualAddress() is 0xa800 for buffer 21, and reading it in the dext faults."""
    p = pool(map_to_dext=False)
    dext = p.owner.task
    address = p.packets[21].getDataVirtualAddress()
    assert address == 0xA800
    rec = draw(
        p, dext, p.mac.kernel, buffer=21, probes=[(dext, address, "getDataVirtualAddress()")]
    ).vethlab
    assert [(f.task, f.address) for f in rec["faults"]] == [("dext", 0xA800)]
    assert "EXC_BAD_ACCESS" in rec["faults"][0].fault
    assert [m["task"] for m in rec["mappings"]] == ["kernel"]
    assert rec["windows"]["dext"] == [(0x4000, 0x10000)]
    assert ("observed", "without PoolFlagMapToDext the address is a pool offset") in rec["notes"]


@pytest.mark.parametrize(
    "profile, readable_extra, past_end_faults",
    [
        ("intel", 0, True),
        ("apple-silicon", 16384 - 4096, False),
    ],
)
def test_a_mapping_is_made_of_whole_pages(profile, readable_extra, past_end_faults):
    """Trap 8: 4096 bytes mapped at offset 0x1000 give 4096 readable bytes on Intel, a whole
    16 KiB page on Apple silicon, where the byte past GetLength() reads offset 0x2000."""
    p = pool(profile)
    app = p.mac.task("app")
    m = p.CopyMemoryDescriptor().CreateMapping(0, 0, 0x1000, 0x1000, 0, into=app)
    end = m.GetAddress() + m.GetLength()
    rec = draw(p, p.owner.task, app, buffer=2, probes=[(app, end, "past the end")]).vethlab
    (app_mapping,) = [x for x in rec["mappings"] if x["task"] == "app"]
    assert app_mapping["readable_not_asked"] == readable_extra
    assert app_mapping["offset"] == 0x1000 and app_mapping["length"] == 0x1000
    (probe,) = rec["probes"]
    assert probe.faulted is past_end_faults
    assert probe.offset == (None if past_end_faults else 0x2000)
    app_link = [link for link in rec["links"] if link["task"] == "app"]
    assert [link["address"] for link in app_link] == [m.address_of(2 * 2048)]


def test_a_buffer_outside_a_mapping_is_not_linked():
    """Buffer 21 is not in a mapping of offsets 0x1000..0x2000, so only the dext links it."""
    p = pool("intel")
    app = p.mac.task("app")
    p.CopyMemoryDescriptor().CreateMapping(0, 0, 0x1000, 0x1000, 0, into=app)
    rec = draw(p, p.owner.task, app, buffer=21).vethlab
    assert [link["task"] for link in rec["links"]] == ["dext"]


def test_a_bare_descriptor_in_two_tasks():
    """An IOBufferMemoryDescriptor mapped into the dext and the app: two bands, no buffer."""
    mac = Mac("intel", 65536, 0)
    dext, app = mac.task("dext"), mac.task("app")
    md = IOBufferMemoryDescriptor.Create(3, 8192, task=dext)
    md.CreateMapping(0, 0, 0, 0, 0)
    md.CreateMapping(0, 0, 0, 0, 0, into=app)
    rec = draw(md, dext, app).vethlab
    assert rec["buffer"] is None and rec["links"] == []
    assert [(m["task"], m["length"]) for m in rec["mappings"]] == [("dext", 8192), ("app", 8192)]
    assert not any("buffer" in entry for entry in rec["key"])  # no buffer drawn, none in the key
    with pytest.raises(BadArgument, match="bare descriptor has no buffers"):
        draw(md, dext, app, buffer=0)


def test_far_apart_probe_gets_its_own_window():
    """A probe far from the mappings is drawn in a second window of the column, after a break."""
    p = pool("intel")
    kernel = p.mac.kernel
    rec = draw(p, p.owner.task, kernel, probes=[(kernel, 0x1000, "null-ish")]).vethlab
    assert len(rec["windows"]["kernel"]) == 2
    assert rec["faults"][0].address == 0x1000


def test_bad_arguments_are_refused():
    """Three tasks, a buffer out of range, or something that is not a descriptor: BadArgument."""
    p = pool()
    t = p.owner.task
    with pytest.raises(BadArgument, match="allowed: 1 or 2"):
        draw(p, t, t, t)
    with pytest.raises(BadArgument, match=re.escape("buffer 32 is outside 0..31")):
        draw(p, buffer=32)
    with pytest.raises(BadArgument, match="neither a pool nor"):
        draw("pool")


def test_probe_address_reports_the_mapping_and_offset():
    """A probe inside a mapping names it and the descriptor offset; outside, the fault."""
    p = pool()
    dext = p.owner.task
    md = p.CopyMemoryDescriptor()
    inside = probe_address(dext, p.dext_mapping.address_of(0x800), "x", md)
    assert (inside.faulted, inside.offset, inside.mapping) == (
        False,
        0x800,
        p.dext_mapping.describe(),
    )
    outside = probe_address(dext, 0x800, "y", md)
    assert outside.faulted and outside.offset is None and "0x800" in outside.fault


@given(
    st.lists(st.tuples(st.integers(0, 1 << 40), st.integers(1, 1 << 20)), min_size=1, max_size=6),
    st.sampled_from([4096, 16384]),
)
def test_windows_cover_every_item_and_do_not_overlap(items, page):
    """Windows are page-aligned, sorted, disjoint, and every range lies inside one of them."""
    ranges = [(lo, lo + size) for lo, size in items]
    windows = _windows(ranges, page)
    assert all(lo % page == 0 and hi % page == 0 for lo, hi in windows)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(windows))
    for lo, hi in ranges:
        assert any(wlo <= lo and hi <= whi for wlo, whi in windows)
