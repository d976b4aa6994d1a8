"""Pictures of any stack: the memory map, one stride's anatomy, the classic bug's errors."""

import matplotlib.pyplot as plt
import pytest

from vethlab.pictures.stacks import (
    draw_stack_anatomy,
    draw_stack_key,
    draw_stack_memory_map,
    draw_stack_offset_errors,
    draw_stacks_side_by_side,
    strip_of,
)
from vethlab.stacks import STACKS, StackError, plan_request


def _request(stack):
    return 2048 if stack == "af_xdp" else 1600


def _every_stack_at(size):
    layouts = {}
    for name in STACKS:
        try:
            layouts[name] = plan_request(name, size, 8)
        except StackError as error:
            layouts[name] = error
    return layouts


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_netmap_map_at_1600_has_a_1600_byte_stride(ax):
    """netmap keeps 1600: buffers at 0, 1600, 3200, data at the buffer's start."""
    draw_stack_memory_map(ax, plan_request("netmap", 1600, 8), count=3)
    rec = ax.vethlab
    assert [b["start"] for b in rec["buffers"]] == [0, 1600, 3200]
    assert [b["first_data_byte"] for b in rec["buffers"]] == [0, 1600, 3200]
    assert rec["edges"] == 3 and rec["marks"] == 3
    assert any("netmap_user.h" in where for _, _, where in rec["provenance"])


def test_dpdk_map_keeps_the_headroom_inside_the_buffer(ax):
    """DPDK: mbuf header before each buffer, 128 of headroom inside it, 42 bytes of 1514 left over."""
    draw_stack_memory_map(ax, plan_request("dpdk", 1600, 8), count=2, frame_length=1514)
    rec = ax.vethlab
    first = rec["buffers"][0]
    assert first["start"] == 192 and first["cell"] == (0, 1856)
    assert first["first_data_byte"] == 320
    kinds = [(s - first["start"], e - first["start"], k) for s, e, k, _ in first["regions"]]
    assert (0, 128, "headroom") in kinds  # the headroom is part of buf_len
    assert (-128, 0, "metadata") in kinds  # struct rte_mbuf sits before buf_addr
    assert rec["frame_fits"] == 1472 and rec["frame_overflow"] == 42 and rec["overflow"] == 2


def test_skb_map_shows_the_2048_bucket_and_its_usable_size(ax):
    """alloc_skb(1600): kmalloc-2048, data up to end 1728, the shared info after it."""
    draw_stack_memory_map(ax, plan_request("skb", 1600, 8), count=2, frame_length=1514)
    rec = ax.vethlab
    assert rec["stride"] == rec["buffer_size"] == 2048
    names = [(s, e, n) for s, e, _, n in rec["buffers"][0]["regions"]]
    assert (1728, 2048, "skb_shared_info") in names
    assert rec["frame_fits"] == 1514 and rec["frame_overflow"] == 0


def test_side_by_side_refuses_af_xdp_with_its_reason(ax):
    """At 1600 AF_XDP's row is its EINVAL and reason; every other stack is a strip."""
    draw_stacks_side_by_side(ax, _every_stack_at(1600), count=3, frame_length=1514)
    rows = {r["name"]: r for r in ax.vethlab["rows"]}
    assert rows["af_xdp"]["errno"] == "EINVAL"
    assert "XDP_UMEM_MIN_CHUNK_SIZE" in rows["af_xdp"]["refused"]
    assert {name for name, r in rows.items() if "strip" in r} == set(STACKS) - {"af_xdp"}
    assert rows["netmap"]["strip"]["stride"] == 1600
    assert rows["dpdk"]["strip"]["stride"] == 1856
    assert [b["first_data_byte"] for b in rows["af_xdp"].get("strip", {}).get("buffers", [])] == []


def test_side_by_side_has_its_key_above_unless_asked_not_to(ax):
    """The key of the fills sits above the strips; key=False leaves it out (the dashboard
    shows it once, apart), and draw_stack_key draws the same key anywhere."""
    draw_stacks_side_by_side(ax, _every_stack_at(1600))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.vethlab["key"] == labels and labels[0] == "the frame" and len(labels) == 6
    draw_stacks_side_by_side(ax, _every_stack_at(1600), key=False)
    assert ax.get_legend() is None and ax.vethlab["key"] is None
    assert draw_stack_key(ax, y=-0.5) == labels
    assert [t.get_text() for t in ax.get_legend().get_texts()] == labels


def test_side_by_side_at_2048_draws_af_xdp(ax):
    """At 2048 AF_XDP registers: its data 256 bytes into every chunk."""
    draw_stacks_side_by_side(ax, _every_stack_at(2048), count=2)
    rows = {r["name"]: r for r in ax.vethlab["rows"]}
    assert [b["first_data_byte"] for b in rows["af_xdp"]["strip"]["buffers"]] == [256, 2304]


@pytest.mark.parametrize("stack", list(STACKS))
def test_anatomy_lands_the_formula_on_the_data_and_the_bug_off_it(ax, stack):
    """The stack's formula lands on first_data_offset; its classic bug misses by its error."""
    options = {"adj": 2} if stack == "mbuf" else {}  # the bug needs m_adj(m, ETHER_ALIGN)
    lay = plan_request(stack, _request(stack), 8, **options)
    draw_stack_anatomy(ax, lay, index=1, frame_length=1514)
    rec = ax.vethlab
    assert rec["landings"]["formula"] == {
        "offset": lay.first_data_offset,
        "error": 0,
        "inside": True,
    }
    bug = STACKS[stack].classic_bug(lay, 1)
    assert rec["landings"]["classic_bug"]["error"] == bug.offset_error != 0
    assert rec["regions"][0][0] == lay.stride_start
    assert rec["regions"][-1][1] - rec["regions"][0][0] == lay.stride
    labels = {label for label, _, _ in rec["provenance"]}
    assert labels <= {"source", "modelled", "reported", "observed", "documented"}


def test_af_xdp_bug_lands_at_the_chunk_start(ax):
    """AF_XDP's classic bug reads the chunk's first byte: 256 bytes early, inside the stride."""
    draw_stack_anatomy(ax, plan_request("af_xdp", 2048, 8), index=1)
    bug = ax.vethlab["landings"]["classic_bug"]
    assert bug == {"offset": 0, "error": -256, "inside": True}


def test_offset_errors_netmap_grow_by_a_stale_half_per_buffer(ax):
    """netmap#391: buffer i read i × 65536 bytes late."""
    draw_stack_offset_errors(ax, plan_request("netmap", 1600, 8), count=4)
    assert ax.vethlab["errors"] == [0, 65536, 131072, 196608]
    assert not ax.vethlab["off_the_chart"]
    assert ax.vethlab["provenance"] == [("source", "classic bug", "luigirizzo/netmap#391")]


def test_offset_errors_skb_are_off_the_chart(ax):
    """skb->tail taken for a pointer misses by a kernel address: drawn at the edge, labelled modelled."""
    draw_stack_offset_errors(ax, plan_request("skb", 1600, 8), count=3)
    rec = ax.vethlab
    assert rec["off_the_chart"] and all(e < -(1 << 40) for e in rec["errors"])
    assert rec["provenance"][0][0] == "modelled"


def test_strip_of_counts_at_most_the_buffers_there_are():
    """A strip never asks for a buffer the layout lacks."""
    lay = plan_request("mbuf", 1600, 2)
    assert len(strip_of(lay, 10)["buffers"]) == 2


def test_a_redraw_keeps_the_ticks_and_draws_what_a_fresh_axes_gets(ax):
    """Drawing again into the same axes reuses its tick objects, and the picture is the one
    a new axes gets: the same record, title, labels and artists."""
    draw_stacks_side_by_side(ax, _every_stack_at(2048), frame_length=1514)
    ticks = ax.xaxis.get_major_ticks()[:3]
    draw_stacks_side_by_side(ax, _every_stack_at(1600), frame_length=9000, highlight=2)
    assert ax.xaxis.get_major_ticks()[:3] == ticks
    fresh_fig, fresh = plt.subplots()
    draw_stacks_side_by_side(fresh, _every_stack_at(1600), frame_length=9000, highlight=2)
    assert ax.vethlab["rows"] == fresh.vethlab["rows"]
    assert ax.get_xlabel() == fresh.get_xlabel()
    assert [t.get_text() for t in ax.texts] == [t.get_text() for t in fresh.texts]
    assert len(ax.collections) == len(fresh.collections) and len(ax.lines) == len(fresh.lines)
    plt.close(fresh_fig)


def test_a_picture_after_another_on_the_same_axes_keeps_only_its_own_settings(ax):
    """The anatomy hides every spine and tick; the offset errors drawn after it on the same
    axes have their bottom and left spines, their ticks and no title of the anatomy's."""
    layout = plan_request("dpdk", 1600, 8)
    draw_stack_anatomy(ax, layout, frame_length=1514)
    draw_stack_offset_errors(ax, layout)
    assert ax.spines["bottom"].get_visible() and ax.spines["left"].get_visible()
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    assert list(ax.get_xticks()) == list(range(8))
    assert ax.get_title(loc="left").startswith("dpdk: buffer 7")
    assert ax.get_ylabel() == "read − data (bytes)"
    draw_stack_memory_map(ax, layout)
    assert ax.get_ylabel() == "" and not ax.spines["left"].get_visible()
