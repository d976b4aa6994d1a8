"""The comparison dashboard: one request and one frame, every stack's answer side by side."""

import pytest

from vethlab.widgets import stack_comparison
from vethlab.widgets.stacks import SCREEN_WIDTH_PX, compare_stacks

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def board():
    return stack_comparison()


def rows(box):
    return {r["stack"]: r for r in box.vethlab_state["rows"]}


def test_at_1600_every_stack_answers_in_its_own_way(board):
    """netmap keeps 1600, AF_XDP refuses, DPDK's 128 headroom is inside, skb lands in 2048."""
    r = rows(board)
    assert (r["netmap"]["buffer_size"], r["netmap"]["stride"]) == (1600, 1600)
    assert r["af_xdp"]["refused"] and r["af_xdp"]["returns"] == "-EINVAL"
    assert "XDP_UMEM_MIN_CHUNK_SIZE" in r["af_xdp"]["refused"]
    dpdk = r["dpdk"]
    assert (dpdk["buffer_size"], dpdk["headroom"], dpdk["usable_size"]) == (1600, 128, 1472)
    assert dpdk["stride"] == 1856 and not dpdk["fits"] and dpdk["short_by"] == 42
    assert (r["skb"]["buffer_size"], r["skb"]["usable_size"]) == (2048, 1728)
    assert r["ndk"]["buffer_size"] == 2048
    assert r["mbuf"]["first_data_offset"] == 2  # m_adj(m, ETHER_ALIGN)
    table = board.children[4].value
    assert "refused" in table and "-EINVAL" in table and "42 bytes do not fit" in table
    assert board.vethlab_state["refused"] == ["af_xdp"] and board.vethlab_state["short"] == ["dpdk"]
    assert "sys/net/netmap_user.h" in table and "rte_mempool.c" in table  # sources, as text


def test_buffer_1s_first_data_byte_per_stack(board):
    """Where buffer 1's first data byte is, from each stack's own formula."""
    r = rows(board)
    got = {name: row.get("first_data_byte") for name, row in r.items()}
    assert got == {
        "ndk": 2048,
        "netmap": 1600,
        "af_xdp": None,
        "dpdk": 2176,
        "skb": 2048,
        "mbuf": 2050,
    }


def test_requested_size_changes_picture_and_table(board):
    """At 2048 AF_XDP registers and shows its data 256 bytes into each chunk."""
    png, table = board.vethlab_image.value, board.children[4].value
    board.vethlab_controls["buffer_size"].value = 2048
    r = rows(board)
    assert r["af_xdp"]["refused"] is None and r["af_xdp"]["first_data_byte"] == 2048 + 256
    assert r["dpdk"]["usable_size"] == 2048 - 128
    assert board.vethlab_image.value != png and board.children[4].value != table


def test_frame_length_changes_picture_and_table(board):
    """A 1400-byte frame fits everywhere that is not refused; the picture changes."""
    png = board.vethlab_image.value
    board.vethlab_controls["frame_length"].value = 1400
    assert board.vethlab_state["short"] == []
    assert all(row["fits"] for row in rows(board).values() if not row["refused"])
    assert board.vethlab_image.value != png
    assert board.vethlab_state["picture"]["frame_length"] == 1400


def test_buffer_index_changes_picture_and_table(board):
    """Buffer 5: netmap's data at 8000, DPDK's at 9600 (the reference's worked example)."""
    png, table = board.vethlab_image.value, board.children[4].value
    board.vethlab_controls["index"].value = 5
    r = rows(board)
    assert (r["netmap"]["first_data_byte"], r["dpdk"]["first_data_byte"]) == (8000, 9600)
    assert board.vethlab_image.value != png and board.children[4].value != table
    assert board.vethlab_state["picture"]["count"] == 6


def test_every_control_changes_the_state(board):
    """Moving any control changes what the dashboard shows."""
    for name, value in (("buffer_size", 4096), ("frame_length", 9000), ("index", 7)):
        before = (board.vethlab_image.value, board.children[4].value, board.children[3].value)
        board.vethlab_controls[name].value = value
        after = (board.vethlab_image.value, board.children[4].value, board.children[3].value)
        assert after != before, name


def test_the_picture_is_crisp_and_fits_the_screen(board):
    """Rendered at twice its on-screen size, shown at most about 1000 × 700 pixels."""
    assert bytes(board.vethlab_image.value).startswith(PNG_MAGIC)
    width, height = board.vethlab_state["png_size"]
    assert board.vethlab_image.layout.width == f"{SCREEN_WIDTH_PX}px" and SCREEN_WIDTH_PX <= 1000
    assert width == 2 * SCREEN_WIDTH_PX and height / 2 <= 700


def test_above_a_page_more_stacks_refuse():
    """At 9216: AF_XDP (above PAGE_SIZE) and m_get2 (above MJUMPAGESIZE) refuse, netmap does not."""
    found = compare_stacks(9216, 9018)
    refused = {r["stack"]: r for r in found["rows"] if r["refused"]}
    assert set(refused) == {"af_xdp", "mbuf"}
    assert refused["mbuf"]["returns"] == "NULL"
