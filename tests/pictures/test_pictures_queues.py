"""Tests for vethlab.pictures.queues: the structure of the queue pictures (what was drawn),
never their pixels."""

import matplotlib.pyplot as plt
import pytest

from vethlab.networkingdriverkit.ethernet import INTERFACE_MOVES, InterfaceState
from vethlab.networkingdriverkit.queues import (
    PACKET_MOVES,
    QUEUE_MOVES,
    REFUSED_MOVES,
    Place,
    QueueState,
    where,
)
from vethlab.pictures.queues import PLACE_BOXES, draw_occupancy, draw_queues, draw_states
from vethlab.ping.link import VirtualLink
from vethlab.wire import frames


def link_with_traffic(n=5):
    link = VirtualLink(packets=32, capacities=8)
    for i in range(n):
        link.host.send(frames.icmp_echo_request(frames.HOST, frames.APP, 1, i + 1))
    link.scheduler.run()  # the dext holds them; the app has not run
    return link


def test_every_packet_is_drawn_once_in_the_place_the_model_says():
    """The record's places are where(pool); one square per packet outside the queues, one
    slot per unit of capacity in each queue."""
    link = link_with_traffic()
    _, ax = plt.subplots()
    draw_queues(ax, link)
    record = ax.vethlab
    assert record["places"] == {p.name: ids for p, ids in where(link.pool).items()}
    assert record["places"]["DEXT_TX"] == [8, 9, 10, 11, 12]
    in_queues = {kind: slot["packets"] for kind, slot in record["slots"].items()}
    assert in_queues["RX_SUBMISSION"] == list(range(8))
    outside = sum(
        len(ids)
        for name, ids in record["places"].items()
        if name not in ("TX_SUBMISSION", "TX_COMPLETION", "RX_SUBMISSION", "RX_COMPLETION")
    )
    assert record["squares"] == outside + 4 * 8
    assert set(record["boxes"]) == {p.name for p in PLACE_BOXES} == {p.name for p in Place}


def test_every_move_of_the_table_is_an_arrow():
    """One arrow per legal move (with its call and provenance), one dashed per refused move."""
    _, ax = plt.subplots()
    draw_queues(ax, link_with_traffic(1))
    assert ax.vethlab["arrows"] == [
        (m.source.name, m.target.name, m.action, m.provenance) for m in PACKET_MOVES
    ]
    assert [r[:2] for r in ax.vethlab["refused"]] == [
        (m.source.name, m.target.name) for m in REFUSED_MOVES
    ]
    _, ax2 = plt.subplots()
    draw_queues(ax2, link_with_traffic(1), refused=False)
    assert ax2.vethlab["refused"] == []


def test_queue_states_and_highlight_are_recorded():
    """A disabled queue is marked as such; the highlighted packet is recorded."""
    link = link_with_traffic(0)
    link.host.down()
    _, ax = plt.subplots()
    draw_queues(ax, link.dext, highlight=3)
    assert ax.vethlab["queue_states"] == {
        k: QueueState.DISABLED.name
        for k in ("TX_SUBMISSION", "TX_COMPLETION", "RX_SUBMISSION", "RX_COMPLETION")
    }
    assert ax.vethlab["highlight"] == 3
    assert ax.vethlab["places"]["POOL"] == list(range(32))


def test_a_bare_pool_draws_without_queues():
    """Given only a pool, the picture shows the places and no queue slots."""
    link = link_with_traffic(0)
    _, ax = plt.subplots()
    draw_queues(ax, link.pool)
    assert ax.vethlab["slots"] == {} and ax.vethlab["places"]["RX_SUBMISSION"] == list(range(8))


def test_occupancy_follows_the_history():
    """draw_occupancy plots one series per tracked place, one value per snapshot."""
    link = VirtualLink(packets=16, capacities=4)
    history = [where(link.pool)]
    link.host.send(frames.arp_request(frames.HOST, frames.APP.ipv4))
    history.append(where(link.pool))
    link.settle()
    history.append(where(link.pool))
    _, ax = plt.subplots()
    draw_occupancy(ax, history)
    series = ax.vethlab["series"]
    assert series["TX_SUBMISSION"] == [0, 1, 0]
    assert series["RX_SUBMISSION"] == [4, 4, 4]
    assert series["POOL"] == [12, 11, 12]
    assert ax.vethlab["steps"] == 3
    with pytest.raises(ValueError, match="empty"):
        draw_occupancy(ax, [])


def test_occupancy_legend_sits_beside_the_plot_not_on_its_lines():
    """The legend names every place and lies wholly to the right of the axes."""
    link = VirtualLink(packets=16, capacities=4)
    fig, ax = plt.subplots(figsize=(10, 3.4))
    draw_occupancy(ax, [where(link.pool)] * 3)
    fig.canvas.draw()
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        line.get_label() for line in ax.get_lines()
    ]
    assert legend.get_window_extent().x0 >= ax.get_window_extent().x1
    plt.close(fig)


def test_state_machines_are_drawn_from_their_tables():
    """States in enum order, one edge per move, the current state recorded."""
    _, ax = plt.subplots()
    draw_states(ax, INTERFACE_MOVES, InterfaceState.REGISTERED)
    assert ax.vethlab["states"] == [s.name for s in InterfaceState]
    assert ax.vethlab["current"] == "REGISTERED"
    assert len(ax.vethlab["edges"]) == len(INTERFACE_MOVES)
    _, ax2 = plt.subplots()
    draw_states(ax2, QUEUE_MOVES)
    assert ax2.vethlab["states"] == ["UNREGISTERED", "DISABLED", "ENABLED"]
    assert ax2.vethlab["current"] is None


@pytest.mark.parametrize("size", [(11, 7.6), (9, 6), (12, 8)])
def test_arrow_labels_are_8_pt_and_the_legend_is_inside_the_figure(size):
    """Every label of the queue picture is at least 8 pt and its key lies inside the figure,
    whatever the figure's shape."""
    from matplotlib.figure import Figure

    from vethlab.pictures.labels import renderer_of

    fig = Figure(figsize=size, dpi=80)
    ax = fig.add_subplot()
    draw_queues(ax, link_with_traffic())
    renderer = renderer_of(fig)
    fig.draw(renderer)
    assert min(t.get_fontsize() for t in ax.texts if t.get_text()) >= 8
    legend = ax.get_legend().get_window_extent(renderer)
    page = fig.bbox
    assert page.x0 <= legend.x0 and legend.x1 <= page.x1
    assert page.y0 <= legend.y0 and legend.y1 <= page.y1
