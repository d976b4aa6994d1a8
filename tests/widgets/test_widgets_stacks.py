"""The comparison dashboard: one request and one frame, every stack's answer side by side."""

import pytest

from vethlab.stacks import STACKS
from vethlab.widgets import stack_comparison
from vethlab.widgets.catalog import texts
from vethlab.widgets.stacks import (
    KEY_PX,
    SCREEN_WIDTH_PX,
    STACK_PX,
    STRIPS_PX,
    compare_stacks,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def board():
    return stack_comparison()


def rows(box):
    return {r["stack"]: r for r in box.vethlab_state["rows"]}


# The dashboard's children: the control rows, the sentence, the table, the strips' key, the
# strips, the chosen stack's picture and the chosen stack in words.
SENTENCE, TABLE, KEY, ABOUT = 1, 2, 3, 6


def text(box, k):
    return box.children[k].value


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
    table = text(board, TABLE)
    assert "refused" in table and "-EINVAL" in table and "42 bytes do not fit" in table
    assert board.vethlab_state["refused"] == ["af_xdp"] and board.vethlab_state["short"] == ["dpdk"]


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
    png, table = board.vethlab_image.value, text(board, TABLE)
    board.vethlab_controls["buffer_size"].value = 2048
    r = rows(board)
    assert r["af_xdp"]["refused"] is None and r["af_xdp"]["first_data_byte"] == 2048 + 256
    assert r["dpdk"]["usable_size"] == 2048 - 128
    assert board.vethlab_image.value != png and text(board, TABLE) != table


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
    png, table = board.vethlab_image.value, text(board, TABLE)
    board.vethlab_controls["index"].value = 5
    r = rows(board)
    assert (r["netmap"]["first_data_byte"], r["dpdk"]["first_data_byte"]) == (8000, 9600)
    assert board.vethlab_image.value != png and text(board, TABLE) != table
    assert board.vethlab_state["picture"]["count"] == 6


def test_every_control_changes_the_state(board):
    """Moving any control changes what the dashboard shows."""
    for name, value in (
        ("buffer_size", 4096),
        ("frame_length", 9000),
        ("index", 7),
        ("stack", "netmap"),
    ):
        before = ([bytes(i.value) for i in board.vethlab_images], texts(board))
        board.vethlab_controls[name].value = value
        after = ([bytes(i.value) for i in board.vethlab_images], texts(board))
        assert after != before, name


def test_the_stack_choice_shows_its_anatomy_and_offset_errors(board):
    """Each stack's buffer i region by region and its classic bug, with their sources."""
    stack = board.vethlab_controls["stack"]
    assert stack.options == ("ndk", "netmap", "af_xdp", "dpdk", "skb", "mbuf")
    state = board.vethlab_state
    assert (state["stack"], state["anatomy"]["stack"], state["anatomy"]["index"]) == (
        "dpdk",
        "dpdk",
        1,
    )
    assert state["anatomy"]["landings"]["classic_bug"]["error"] == 14
    assert state["offset_errors"]["errors"] == [14] * 8
    assert "rte_mbuf.c" in text(board, ABOUT) and "OpenDataPlane/odp#1346" in text(board, ABOUT)
    strips = bytes(board.vethlab_image.value)
    stack.value = "netmap"
    state = board.vethlab_state
    assert state["anatomy"]["stack"] == "netmap"
    assert state["offset_errors"]["errors"][:3] == [0, 65536, 131072]
    assert "sys/net/netmap_user.h" in text(board, ABOUT)
    assert bytes(board.vethlab_image.value) == strips  # the strips do not depend on the stack


def test_a_refused_stack_shows_its_own_error_instead_of_a_picture(board):
    """AF_XDP below 2048: no anatomy, its -EINVAL and reason in words; at 2048 the picture is back."""
    board.vethlab_controls["stack"].value = "af_xdp"
    state = board.vethlab_state
    assert state["anatomy"] is None and state["offset_errors"] is None
    assert "XDP_UMEM_MIN_CHUNK_SIZE" in state["stack_refused"]
    assert board.vethlab_images[1].layout.display == "none"
    about = text(board, ABOUT)
    assert "refuses" in about and "-EINVAL" in about and "xdp_umem.c" in about
    board.vethlab_controls["buffer_size"].value = 2048
    assert board.vethlab_images[1].layout.display != "none"
    assert board.vethlab_state["anatomy"]["landings"]["formula"]["offset"] == 256
    assert board.vethlab_state["offset_errors"]["errors"] == [-256] * 8


def test_the_pictures_are_crisp_and_fit_the_screen(board):
    """All three (the key, the strips, the chosen stack) rendered at twice their on-screen
    size, together well under the 779 visible pixels."""
    key = board.children[KEY]
    images = (key, *board.vethlab_images)
    for image, (width, height) in zip(images, (KEY_PX, STRIPS_PX, STACK_PX), strict=True):
        png = bytes(image.value)
        assert png.startswith(PNG_MAGIC)
        assert image.layout.width == f"{width}px" and width == SCREEN_WIDTH_PX <= 1000
        assert int.from_bytes(png[16:20]) == 2 * width and int.from_bytes(png[20:24]) == 2 * height
    assert board.vethlab_state["png_size"] == (2 * STRIPS_PX[0], 2 * STRIPS_PX[1])
    assert KEY_PX[1] + STRIPS_PX[1] + STACK_PX[1] <= 560  # the controls and the table take the rest


def test_the_key_is_drawn_once_above_the_strips(board):
    """The strips' key is a picture of its own, right above the strips (no gap between them),
    the same at every move; the strips are drawn without it."""
    key = board.children[KEY]
    assert board.children[KEY + 1] is board.vethlab_images[0]
    assert key.layout.margin.split()[2] == "0" and board.vethlab_images[0].layout.margin[0] == "0"
    png = bytes(key.value)
    board.vethlab_controls["buffer_size"].value = 2048
    board.vethlab_controls["stack"].value = "netmap"
    assert bytes(key.value) == png
    assert board.vethlab_state["picture"]["key"] is None
    labels = [t.get_text() for t in board.vethlab_figures[2].axes[0].get_legend().get_texts()]
    assert labels == [
        "the frame",
        "headroom",
        "room the frame leaves",
        "the stack's metadata",
        "padding",
        "bytes that do not fit",
    ]


def test_above_a_page_more_stacks_refuse():
    """At 9216: AF_XDP (above PAGE_SIZE) and m_get2 (above MJUMPAGESIZE) refuse, netmap does not."""
    found = compare_stacks(9216, 9018)
    refused = {r["stack"]: r for r in found["rows"] if r["refused"]}
    assert set(refused) == {"af_xdp", "mbuf"}
    assert refused["mbuf"]["returns"] == "NULL"


def test_the_x_labels_placed_by_hand_are_where_matplotlib_puts_them(board):
    """The strips' and the offset errors' x labels sit the label pad under the tick labels,
    as matplotlib would place them, whatever the ticks say."""
    strips, chosen, _key = board.vethlab_figures
    for size, stack in ((1600, "dpdk"), (9216, "netmap"), (2048, "skb")):
        board.vethlab_controls["buffer_size"].value = size
        board.vethlab_controls["stack"].value = stack
        for ax in (strips.axes[0], chosen.axes[1]):
            renderer = ax.figure.canvas.get_renderer()
            ticks = [t.label1 for t in ax.xaxis.get_major_ticks() if t.label1.get_text()]
            under = min(t.get_window_extent(renderer).y0 for t in ticks)
            label = ax.xaxis.label.get_window_extent(renderer)
            pad = ax.xaxis.labelpad * ax.figure.dpi / 72
            assert label.y1 == pytest.approx(under - pad, abs=1.0), (size, stack)


def test_the_strips_labels_stay_inside_their_picture_under_the_key(board):
    """Shortened by the key's height, the strips' picture still holds every label whole: the
    numbers over the first row end below its top edge, where the key's picture begins."""
    strips = board.vethlab_figures[0]
    controls = board.vethlab_controls
    for size, index in ((64, 0), (1600, 7), (9216, 3), (2048, 1)):
        controls["buffer_size"].value = size
        controls["index"].value = index
        renderer = strips.canvas.get_renderer()
        for text in strips.axes[0].texts:
            if text.get_visible():
                box = text.get_window_extent(renderer)
                assert box.y0 >= 0 and box.y1 <= strips.bbox.height, (size, index, text)


def test_the_chosen_stack_s_picture_redrawn_over_its_kept_errors_is_a_full_draw(board):
    """A move of the buffer index or the frame length redraws only the anatomy, over the
    offset errors kept from before (they cannot change): the picture is, pixel for pixel,
    the one a full draw of the figure makes; and after a move of the requested size the
    errors shown are the new ones."""
    import io

    import numpy as np
    import PIL.Image

    from vethlab.widgets.canvas import render_png

    chosen, image = board.vethlab_figures[1], board.vethlab_images[1]
    anatomy = chosen.axes[0]
    assert anatomy.get_animated() and not chosen.axes[1].get_animated()

    def full_draw():
        anatomy.set_animated(False)
        try:
            return np.asarray(PIL.Image.open(io.BytesIO(render_png(chosen))))
        finally:
            anatomy.set_animated(True)

    controls = board.vethlab_controls
    moves = [("buffer_size", 2500), ("stack", "ndk"), ("index", 5), ("frame_length", 900)]
    moves += [("buffer_size", 3000), ("index", 2)]
    for name, value in moves:
        controls[name].value = value
        shown = np.asarray(PIL.Image.open(io.BytesIO(image.value)))
        assert np.array_equal(shown, full_draw()), f"{name}={value}"


def test_offset_errors_the_same_at_a_new_size_keep_their_picture_and_tell_this_size(board):
    """DPDK's classic bug misses by 14 bytes at any size: a new requested size leaves its
    offset errors picture as it was (nothing in it changes), and the state still gives this
    size's offsets, as a fresh dashboard at this size does; NDK's errors grow with the size
    and are drawn anew."""
    errors_ax = board.vethlab_figures[1].axes[1]
    controls = board.vethlab_controls
    marks = list(errors_ax.lines)
    controls["buffer_size"].value = 3000
    assert list(errors_ax.lines) == marks  # not drawn again
    fresh = stack_comparison(buffer_size=3000)
    assert board.vethlab_state["offset_errors"] == fresh.vethlab_state["offset_errors"]
    assert board.vethlab_state["offset_errors"]["correct_offsets"][1] == 3570
    controls["stack"].value = "ndk"
    marks = list(errors_ax.lines)
    controls["buffer_size"].value = 1600
    assert list(errors_ax.lines) != marks  # NDK's errors at 1600 are not those at 3000
    assert (
        board.vethlab_state["offset_errors"]
        == (stack_comparison(buffer_size=1600, stack="ndk").vethlab_state["offset_errors"])
    )


@pytest.mark.parametrize("stack", list(STACKS))
def test_no_landing_arrow_crosses_a_region_s_name_and_no_label_is_dropped(stack):
    """In the chosen stack's anatomy, as the dashboard shows it: a region's name sits where
    no landing arrow comes down (a name too long for its narrow region is broken in two and
    the region given room for it: mbuf's "m_adj (ETHER_ALIGN)", DPDK's headroom), and every
    label is shown (DPDK's "first_data_offset 128" goes under its bracket)."""
    from matplotlib.patches import FancyArrowPatch

    from vethlab.pictures.labels import renderer_of

    board = stack_comparison(buffer_size=2048 if stack == "af_xdp" else 1600, stack=stack)
    anatomy_ax = board.vethlab_figures[1].axes[0]
    renderer = renderer_of(anatomy_ax.figure)
    record = board.vethlab_state["anatomy"]
    region_names = {name for _lo, _hi, _kind, name in record["regions"]}
    names = [
        t
        for t in anatomy_ax.texts
        if t.get_visible() and t.get_text().replace("\n", " ") in region_names
    ]
    arrows = [
        p.get_window_extent(renderer) for p in anatomy_ax.patches if isinstance(p, FancyArrowPatch)
    ]
    landing = [box for box in arrows if box.height > box.width]  # brackets lie flat
    assert len(landing) == 2 and names
    crossed = [
        t.get_text()
        for t in names
        for box in landing
        if t.get_window_extent(renderer).overlaps(box)
    ]
    assert crossed == []
    assert record["labels"]["dropped"] == []
