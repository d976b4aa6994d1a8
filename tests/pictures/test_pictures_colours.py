"""One colour language: every colour any picture draws is the colour of exactly one role,
and no text is smaller than 8 points."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import Collection
from matplotlib.colors import to_hex, to_rgba_array
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from vethlab import IOService, IOUserNetworkPacketBufferPool, Mac
from vethlab.networkingdriverkit.ethernet import INTERFACE_MOVES, InterfaceState
from vethlab.networkingdriverkit.pool import IOUserNetworkPacketBufferPoolOptions
from vethlab.networkingdriverkit.queues import where
from vethlab.pictures import (
    add_provenance_notes,
    draw_buffer_anatomy,
    draw_call_sequence,
    draw_colour_key,
    draw_design_comparison,
    draw_drift,
    draw_hexdump,
    draw_mappings,
    draw_memory_map,
    draw_misread_hexdump,
    draw_occupancy,
    draw_offset_errors,
    draw_output_struct,
    draw_provenance_key,
    draw_queues,
    draw_size_rule,
    draw_state_machine,
    draw_states,
    reading_dumps,
)
from vethlab.pictures.style import MIN_FONT_SIZE, ROLES, role_of
from vethlab.ping.link import VirtualLink
from vethlab.question.runs import deliver, frame_of_length
from vethlab.question.scenario import run_question
from vethlab.widgets.pool_explorer import explore_pool
from vethlab.wire import frames


@pytest.fixture(scope="module")
def report():
    return run_question(segment_size=65536)


def _figure(size=(9, 5)):
    fig = Figure(figsize=size, dpi=72)
    return fig, fig.add_subplot()


def memory_map(report):
    first = report.methods["first_attempt"]
    fig, ax = _figure((9, 7))
    draw_memory_map(ax, first.pool, host=first.host, readings=first.readings, highlight=3)
    return fig


def memory_map_stacked(_report):
    explored = explore_pool(buffers=8192, packets=1024)
    fig, ax = _figure((9, 4))
    draw_memory_map(
        ax, explored.pool, host=explored.host, readings=explored.readings("current_api")
    )
    return fig


def offset_errors(report):
    fig, ax = _figure()
    draw_offset_errors(ax, report, rules=[("reported", "offsets use the requested stride")])
    return fig


def offsets_view(_report):
    native = run_question(segment_size=65536, headroom=0, data_offset=2)
    fig, ax = _figure()
    draw_offset_errors(ax, native.methods["question_fix"], show="offsets")
    return fig


def hexdump(report):
    first = report.methods["first_attempt"]
    fig, ax = _figure()
    draw_hexdump(ax, reading_dumps(first, 7, 48)[0])
    return fig


def misread(report):
    fig, ax = _figure((9, 1.5))
    draw_misread_hexdump(ax, report.methods["first_attempt"])
    return fig


def anatomy(report):
    first = report.methods["first_attempt"]
    fig, ax = _figure()
    draw_buffer_anatomy(ax, first.pool.packets[5])
    return fig


def mappings(_report):
    mac = Mac("apple-silicon", 65536, 0)
    options = IOUserNetworkPacketBufferPoolOptions(packetCount=32, bufferCount=32, bufferSize=2048)
    pool = IOUserNetworkPacketBufferPool.CreateWithOptions(IOService(mac, "dext"), "p", options)
    dext = pool.owner.task
    fig, ax = _figure((10, 6))
    draw_mappings(
        ax,
        pool,
        dext,
        mac.kernel,
        buffer=21,
        probes=[(dext, pool.packets[21].getDataVirtualAddress(), "getDataVirtualAddress()")],
    )
    return fig


def user_client(_report):
    run = deliver([frame_of_length(1700)], "per_packet", get_packet="question", close=False)
    fig = Figure(figsize=(10, 9), dpi=72)
    axes = fig.subplots(4, 1)
    draw_state_machine(axes[0], run.app.connect.client)
    draw_call_sequence(axes[1], run.app.trace)
    draw_output_struct(axes[2], run.dext.records[-1])
    result = {
        "per_packet_pps": 3.0,
        "batch_pps": 20.0,
        "shared_mapping_pps": 40.0,
        "bare_copy_pps": 100.0,
    }
    draw_design_comparison(axes[3], result)
    return fig


def queues(_report):
    link = VirtualLink(packets=32, capacities=8)
    for i in range(5):
        link.host.send(frames.icmp_echo_request(frames.HOST, frames.APP, 1, i + 1))
    link.scheduler.run()
    fig = Figure(figsize=(10, 12), dpi=72)
    axes = fig.subplots(3, 1)
    draw_queues(axes[0], link, highlight=8)
    draw_occupancy(axes[1], [where(link.pool)] * 3)
    draw_states(axes[2], INTERFACE_MOVES, InterfaceState.REGISTERED)
    return fig


def provenance(_report):
    fig = Figure(figsize=(7, 7), dpi=72)
    axes = fig.subplots(3, 1)
    draw_provenance_key(axes[0])
    draw_colour_key(axes[1])
    axes[2].set_axis_off()  # an empty axes of the test's own: only the notes are the picture's
    add_provenance_notes(axes[2], [("modelled", "segments end to end")])
    return fig


def drift(report):
    fig, ax = _figure((7, 3))
    draw_drift(ax, report.methods["first_attempt"].pool)
    return fig


def size_rule(_report):
    fig, ax = _figure((7, 4))
    draw_size_rule(ax)
    return fig


PICTURES = [
    memory_map,
    memory_map_stacked,
    offset_errors,
    offsets_view,
    hexdump,
    misread,
    anatomy,
    mappings,
    user_client,
    queues,
    provenance,
    drift,
    size_rule,
]


def _colours(artist) -> list:
    """The colours ``artist`` paints (RGBA rows), leaving out fully transparent ones."""
    found = []
    if isinstance(artist, Text):
        found.append(artist.get_color())
        if artist.get_bbox_patch() is not None:
            found += _colours(artist.get_bbox_patch())
        if getattr(artist, "arrow_patch", None) is not None:
            found += _colours(artist.arrow_patch)
    elif isinstance(artist, Patch):
        if artist.get_fill():
            found.append(artist.get_facecolor())
        if artist.get_linewidth() > 0 or artist.get_hatch():
            found.append(artist.get_edgecolor())
    elif isinstance(artist, Line2D):
        if artist.get_linestyle() not in ("None", "none", "") and artist.get_linewidth() > 0:
            found.append(artist.get_color())
        if artist.get_marker() not in ("None", "none", None, ""):
            found += [artist.get_markerfacecolor(), artist.get_markeredgecolor()]
    elif isinstance(artist, Collection):
        found += list(artist.get_facecolor())
        if np.any(np.asarray(artist.get_linewidth()) > 0) or artist.get_hatch():
            found += list(artist.get_edgecolor())
    elif isinstance(artist, AxesImage):
        pixels = np.asarray(artist.get_array()).reshape(
            -1, np.asarray(artist.get_array()).shape[-1]
        )
        found += list(np.unique(pixels, axis=0))
    rgba = to_rgba_array(found) if found else np.zeros((0, 4))
    return [c for c in rgba if c[3] > 0]


def _drawn(fig):
    """Every artist the figure shows (an axes drawn with its axis off shows no ticks or
    spines)."""
    fig.canvas.draw()
    hidden = set()
    for ax in fig.axes:
        if not ax.axison:
            hidden |= {*ax.xaxis.findobj(), *ax.yaxis.findobj(), *ax.spines.values()}
    for artist in fig.findobj(lambda a: a.get_visible()):
        if artist in hidden:
            continue
        if artist is fig.patch or (
            hasattr(artist, "axes") and artist is getattr(artist.axes, "patch", None)
        ):
            continue  # the page and the axes' backgrounds
        if isinstance(artist, Text) and not artist.get_text().strip():
            continue
        yield artist


@pytest.mark.parametrize("picture", PICTURES, ids=lambda p: p.__name__)
def test_every_drawn_colour_is_exactly_one_role(picture, report):
    """Each colour a picture paints (patches, lines, collections, text, images) is the colour
    of one role of the table, and no role's colour stands for two things."""
    fig = picture(report)
    strangers = {}
    for artist in _drawn(fig):
        for rgba in _colours(artist):
            if role_of(rgba) is None:
                strangers.setdefault(to_hex(rgba), repr(artist)[:80])
    assert strangers == {}
    plt.close("all")


@pytest.mark.parametrize("picture", PICTURES, ids=lambda p: p.__name__)
def test_no_text_is_smaller_than_eight_points(picture, report):
    """Titles, labels, ticks, legends and notes: 8 pt or more."""
    fig = picture(report)
    small = {
        artist.get_text(): artist.get_fontsize()
        for artist in _drawn(fig)
        if isinstance(artist, Text) and artist.get_fontsize() < MIN_FONT_SIZE
    }
    assert small == {}


def test_the_table_has_no_colour_twice():
    """The check above is only as good as the table: its colours are all different."""
    assert len({to_hex(c) for c in ROLES.values()}) == len(ROLES)
