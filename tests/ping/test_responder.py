"""Tests for vethlab.ping: the virtual Ethernet dext, its PutPacket selector, the
responder app and the whole link."""

import pytest

from vethlab.iokit import IOConnectCallStructMethod
from vethlab.ioreturn import kIOReturnBadArgument
from vethlab.networkingdriverkit.queues import Place, QueueKind
from vethlab.ping.app import answer
from vethlab.ping.dext import EthernetUserClient, kPutPacket
from vethlab.ping.link import VirtualLink, ping_burst
from vethlab.wire import frames

HOST, APP = frames.HOST, frames.APP


def arp():
    return frames.arp_request(HOST, APP.ipv4)


def echo(seq, size=56):
    return frames.icmp_echo_request(HOST, APP, 0x42, seq, size)


def udp(tag, size=0):
    return frames.udp_datagram(HOST, APP, 50000, 9, f"frame {tag} ".encode() + b"." * size)


def balanced(link):
    """offered = delivered + dropped + in flight, both ways."""
    for side in link.accounting().values():
        assert (
            side["offered"] == side["delivered"] + sum(side["dropped"].values()) + side["in_flight"]
        )


# --- answer --------------------------------------------------------------------------------------


def test_answer_replies_to_arp_and_ping_for_its_own_address_only():
    """ARP requests for the app's IPv4 and echo requests to it get replies; nothing else does."""
    assert frames.is_reply_to(answer(arp()), arp())
    assert frames.is_reply_to(answer(echo(1)), echo(1))
    assert answer(frames.arp_request(HOST, b"\xc0\x00\x02\x63")) is None
    assert answer(udp(1)) is None
    assert answer(frames.ipv6_neighbor_solicitation(HOST, APP.ipv6)) is None
    assert answer(b"\x00" * 10) is None
    other = frames.Endpoint.from_text("other", "02:00:00:00:00:07", "192.0.2.7", "2001:db8::7")
    assert answer(frames.icmp_echo_request(HOST, APP, 1, 1), other) is None


def test_the_user_client_adds_put_packet_to_the_question_selectors():
    """EthernetUserClient keeps every selector of the question's client and adds PutPacket."""
    assert EthernetUserClient.SELECTOR_NAMES[kPutPacket] == "PutPacket"
    assert set(EthernetUserClient.DISPATCH) == {0, 1, 2, 3, 4, kPutPacket}


# --- the link ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("design", ["per_packet", "batch", "shared_mapping"])
def test_ping_round_trips_in_every_design(design):
    """ARP, a UDP datagram and ten pings: every frame reaches the app byte for byte, every
    request is answered, nothing is dropped or leaked."""
    link = VirtualLink(design=design, packets=32, capacities=8)
    sent = [arp(), udp(0)] + [echo(i) for i in range(1, 11)]
    for frame in sent:
        link.host.send(frame)
        link.settle()
    assert link.responder.received == sent
    assert len(link.host.answered()) == 11 and link.host.neighbors == {APP.ipv4: APP.mac}
    acc = link.accounting()
    assert acc["out"] == {"offered": 12, "delivered": 12, "dropped": {}, "in_flight": 0}
    assert acc["in"] == {"offered": 11, "delivered": 11, "dropped": {}, "in_flight": 0}
    link.shutdown()
    assert link.leaked() == []


def test_native_flow_frames_arrive_intact():
    """Frames sent at data offset headroom + 2 reach the app unchanged (the dext adds the
    data offset, never the headroom)."""
    link = VirtualLink()
    for i in range(1, 4):
        link.host.send(echo(i), flow="native")
    link.settle()
    assert link.responder.received == [echo(i) for i in range(1, 4)]
    assert len(link.host.answered()) == 3


def test_a_burst_waits_in_the_dext_until_the_app_runs():
    """While the app has not run, TX frames wait in the dext (held packets); then they flow."""
    link = VirtualLink(packets=32, capacities=8)
    for i in range(5):
        link.host.send(udp(i))
    link.scheduler.run()  # dext and kernel only: the app has not run
    assert len(link.dext.pending) == 5 and len(link.where()[Place.DEXT_TX]) == 5
    assert link.accounting()["out"]["in_flight"] == 5
    link.settle()
    assert link.responder.received == [udp(i) for i in range(5)]
    assert link.where()[Place.DEXT_TX] == []


def test_put_packet_fails_when_rx_submission_runs_dry():
    """Three answers put before the kernel restocks a one-packet RX submission: one goes
    through, two are dropped with their reason."""
    capacities = {kind: 8 for kind in QueueKind} | {QueueKind.RX_SUBMISSION: 1}
    link = VirtualLink(packets=32, capacities=capacities)
    for _ in range(3):
        link.host.send(arp())
    link.settle()
    acc = link.accounting()
    assert acc["in"] == {
        "offered": 3,
        "delivered": 1,
        "dropped": {"RX submission had no empty packet": 2},
        "in_flight": 0,
    }
    balanced(link)


def test_put_packet_without_a_frame_is_a_bad_argument():
    """PutPacket with no structure input: kIOReturnBadArgument at the app, nothing sent."""
    link = VirtualLink()
    kr, _ = IOConnectCallStructMethod(link.responder.app.connect, kPutPacket, None, 0)
    assert kr == kIOReturnBadArgument
    link.settle()
    assert link.host.received == []


def _jumbo_link(design):
    link = VirtualLink(design=design, buffer_size=9100)
    link.dext.max_transfer_unit = 9000
    link.dext.SetMTU(9000)
    return link


@pytest.mark.parametrize("design, delivered", [("per_packet", 0), ("batch", 1)])
def test_a_frame_over_1600_bytes_is_dropped_by_get_packet_but_not_by_a_batch(design, delivered):
    """GetPacket_Output holds 1600 bytes: the safe GetPacket drops a 2000-byte frame (counted),
    the batch design delivers it."""
    link = _jumbo_link(design)
    link.host.send(udp("big", 1950))
    link.settle()
    acc = link.accounting()["out"]
    assert acc["delivered"] == delivered
    assert acc["dropped"] == ({} if delivered else {"longer than GetPacket_Output.packet_data": 1})
    balanced(link)


def test_one_batch_per_doorbell_strands_frames_until_something_rings_again():
    """Apple's sample takes one batch of 8 per doorbell: of 12 frames, 4 stay on TX
    submission (the edge-triggered bell does not ring again) until requestDequeue."""
    link = VirtualLink(packets=64, capacities=16, redrain=False, tx_batch=8)
    for i in range(12):
        link.host.send(udp(i))
    link.settle()
    assert (len(link.responder.received), link.accounting()["out"]["in_flight"]) == (8, 4)
    link.dext.txs.requestDequeue()
    link.settle()
    assert len(link.responder.received) == 12
    balanced(link)


def test_stepping_block_by_block_ends_where_settle_does():
    """step() runs one block at a time and reaches the same state as settle()."""
    a, b = VirtualLink(seed=5), VirtualLink(seed=5)
    for link in (a, b):
        link.host.send(arp())
        link.host.send(echo(1))
    a.settle()
    steps = 0
    while b.step():
        steps += 1
    b.settle()  # the app's end-of-run bookkeeping
    # the dext's doorbell, the app's notification (2 GetPackets, 2 PutPackets), then the
    # kernel's two completion doorbells
    assert steps == 4
    assert list(b.scheduler.trace) == [
        "dext Default: TxPacketAvailable",
        "kernel: TxCompletionAvailable",
        "kernel: RxCompletionAvailable",
    ]
    assert a.where() == b.where() and a.responder.received == b.responder.received
    assert a.accounting() == b.accounting()


def test_going_down_drops_what_the_app_never_took_and_returns_every_packet():
    """Frames still waiting for the app when the interface goes down are dropped with a reason;
    no packet leaks."""
    link = VirtualLink(packets=32, capacities=8)
    for i in range(4):
        link.host.send(udp(i))
    link.scheduler.run()
    link.responder.close()
    link.host.down()
    link.settle()
    acc = link.accounting()["out"]
    assert acc["dropped"] == {"interface went down before the app took it": 4}
    assert link.leaked() == []
    balanced(link)


def test_ping_burst_replays_deterministically_up_to_any_step():
    """ping_burst(n, k) is the run after k steps; the same arguments give the same state."""
    full, labels = ping_burst(4, packets=32, capacities=8)
    assert labels == [
        "dext Default: TxPacketAvailable",
        "VethApp: notification (GetPacket, PutPacket)",
        "kernel: TxCompletionAvailable",
        "kernel: RxCompletionAvailable",
    ]
    assert len(full.host.answered()) == 4
    one, _ = ping_burst(4, 1, packets=32, capacities=8)
    again, _ = ping_burst(4, 1, packets=32, capacities=8)
    assert one.where() == again.where() and one.where()[Place.DEXT_TX] == [8, 9, 10, 11]
    with pytest.raises(ValueError):
        ping_burst(-1)
