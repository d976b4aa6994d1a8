"""Tests for vethlab.wire.host: the host network stack, on its own (transmit, origin) and as the
kernel side of an interface's queues (send, reclaim, deliver, validate, capture)."""

import dpkt
import pytest

from vethlab.model.memory import Mac
from vethlab.model.scheduler import scheduler_of
from vethlab.networkingdriverkit.ethernet import SampleEthernetDext
from vethlab.networkingdriverkit.queues import Place, QueueKind, where
from vethlab.wire import frames
from vethlab.wire.host import FLOW_DATA_OFFSETS, HostStack
from vethlab.wire.pcap import read_pcap


class EchoDext(SampleEthernetDext):
    """A dext whose far end answers ARP and ping at once, and can be told to corrupt or
    misaddress its answers."""

    def __init__(self, *args, mangle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.mangle = mangle
        self.heard = []

    def transmit_frame(self, frame):
        self.heard.append(frame)
        eth = dpkt.ethernet.Ethernet(frame)
        if isinstance(eth.data, dpkt.arp.ARP):
            reply = frames.arp_reply(frame, frames.APP)
        elif isinstance(eth.data, dpkt.ip.IP) and isinstance(eth.data.data, dpkt.icmp.ICMP):
            reply = frames.icmp_echo_reply(frame, frames.APP)
        else:
            return
        if self.mangle:
            reply = self.mangle(reply)
        self.receive_frame(reply)


def rig(packets=32, capacity=8, up=True, **kwargs):
    dext = EchoDext(Mac(seed=3), packets=packets, capacities=capacity, **kwargs)
    dext.Start()
    host = HostStack(dext.pool)
    host.attach(dext)
    if up:
        host.up()
    return dext, host


def run(dext):
    return scheduler_of(dext.mac).run()


# --- the stack on its own (used by the question scenario) --------------------------------------


def test_transmit_writes_the_frame_at_the_data_offset_through_the_kernel_mapping():
    """transmit puts a frame in a fresh packet at its data offset and records the write."""
    dext, host = rig(up=False)
    frame = frames.arp_request(frames.HOST, frames.APP.ipv4)
    packet = host.transmit(frame, data_offset=10)
    assert packet.getDataOffset() == 10 and packet.frame_bytes() == frame
    write = host.writes[-1]
    assert (write.packet, write.offset, write.length, write.frame) == (
        packet.index,
        dext.pool.layout.buffer_offset(packet.index) + 10,
        len(frame),
        frame,
    )


def test_origin_tells_current_stale_and_zero_bytes_apart():
    """After a packet is recycled its frame's bytes are stale; unwritten bytes are zero."""
    dext, host = rig(up=False)
    first = host.transmit(b"\xaa" * 60)
    start = first.frame_offset()  # the buffer's start + the headroom of 8
    assert host.origin(start - 8, start + 64) == [
        (start - 8, start, "zero", None),
        (start, start + 60, "frame", first.index),
        (start + 60, start + 64, "zero", None),
    ]
    dext.pool.DeallocatePacket(first)
    assert host.origin(start, start + 60) == [(start, start + 60, "stale", first.index)]


# --- attached to an interface ------------------------------------------------------------------------


def test_attach_needs_a_registered_interface_on_the_same_pool():
    """A stack attaches only to an interface registered with its own pool."""
    dext, _ = rig(up=False)
    other = SampleEthernetDext(Mac())
    with pytest.raises(ValueError, match="registered interface"):
        HostStack(dext.pool).attach(other)


def test_up_enables_the_interface_and_stocks_rx_submission():
    """up() calls SetInterfaceEnable(true) and fills RX submission to its capacity."""
    dext, host = rig(packets=32, capacity=8, up=False)
    host.up()
    places = where(dext.pool)
    assert dext.enabled and len(places[Place.RX_SUBMISSION]) == 8
    assert len(places[Place.POOL]) == 24


def test_sending_while_down_is_dropped_and_counted():
    """A frame offered to a disabled interface is dropped as "interface down"."""
    _dext, host = rig(up=False)
    record = host.send(frames.arp_request(frames.HOST, frames.APP.ipv4))
    assert (record.dropped, record.packet, record.submitted) == ("interface down", None, False)
    assert host.drops == {"interface down": 1} and host.capture == []


@pytest.mark.parametrize("flow", ["bsd", "native"])
def test_send_uses_the_flows_data_offset_past_the_headroom(flow):
    """BSD-socket frames start at the headroom, native-flow frames 2 bytes later."""
    dext, host = rig()
    frame = frames.arp_request(frames.HOST, frames.APP.ipv4)
    record = host.send(frame, flow=flow)
    packet = dext.pool.packets[record.packet]
    assert packet.getDataOffset() == dext.pool.headroom + FLOW_DATA_OFFSETS[flow]
    assert packet.frame_bytes() == frame and host.capture == [("out", frame)]
    assert where(dext.pool)[Place.TX_SUBMISSION] == [record.packet]
    with pytest.raises(ValueError, match="flow"):
        host.send(frame, flow="carrier pigeon")


def test_ping_round_trip_is_validated_matched_and_learned():
    """An ARP request and an echo request come back answered: replies validate, match their
    requests, the neighbour is learned, and every packet ends where it started."""
    dext, host = rig()
    arp = host.send(frames.arp_request(frames.HOST, frames.APP.ipv4))
    ping = host.send(frames.icmp_echo_request(frames.HOST, frames.APP, 0x1234, 1), flow="native")
    run(dext)
    assert [r.problems for r in host.received] == [[], []]
    assert (arp.answered_by, ping.answered_by) == (0, 1)
    assert [r.answers for r in host.received] == [arp.serial, ping.serial]
    assert host.neighbors == {frames.APP.ipv4: frames.APP.mac}
    assert [d for d, _ in host.capture] == ["out", "out", "in", "in"]
    assert dext.heard == [arp.frame, ping.frame]  # the far end got them byte for byte
    places = where(dext.pool)
    assert len(places[Place.RX_SUBMISSION]) == 8 and len(places[Place.POOL]) == 24
    assert host.reclaimed == 2 and host.drops == {}


def test_a_corrupted_reply_fails_validation():
    """A reply with a broken checksum is counted as failed validation and answers nothing."""

    def flip(reply):
        return reply[:-1] + bytes([reply[-1] ^ 0xFF])

    dext, host = rig(mangle=flip)
    ping = host.send(frames.icmp_echo_request(frames.HOST, frames.APP, 7, 1))
    run(dext)
    assert host.drops == {"failed validation": 1} and ping.answered_by is None
    assert host.received[0].problems and "checksum" in host.received[0].problems[0]
    assert host.delivered == []


def test_a_frame_for_another_address_is_filtered():
    """A reply to a MAC that is not the interface's is dropped as not for this interface."""

    def readdress(reply):
        return b"\x02\x00\x00\x00\x00\x09" + reply[6:]

    dext, host = rig(mangle=readdress)
    host.send(frames.arp_request(frames.HOST, frames.APP.ipv4))
    run(dext)
    assert host.drops == {"not for this interface": 1} and host.received == []
    assert [d for d, _ in host.capture] == ["out", "in"]  # it did cross the interface


def udp(i):
    return frames.udp_datagram(frames.HOST, frames.APP, 5000, 9, bytes([i]))


def test_drops_when_tx_submission_is_full():
    """Frames beyond TX submission's capacity, while the dext has not run, are dropped."""
    _dext, host = rig(packets=32, capacity=4)
    results = [host.send(udp(i)).dropped for i in range(6)]
    assert results == [None] * 4 + ["TX submission full"] * 2
    assert host.drops == {"TX submission full": 2} and len(host.capture) == 4


def test_drops_when_the_pool_runs_out():
    """With 4 of 12 packets stocked for RX, the ninth frame finds no free packet."""
    capacities = {kind: 4 for kind in QueueKind} | {QueueKind.TX_SUBMISSION: 64}
    dext, host = rig(packets=12, capacity=capacities)
    results = [host.send(udp(i)).dropped for i in range(10)]
    assert results == [None] * 8 + ["pool exhausted"] * 2
    run(dext)  # the dext sends them, the kernel reclaims: packets are free again
    assert host.send(udp(99)).dropped is None


def test_frames_longer_than_the_mtu_are_dropped():
    """The stack never submits a frame longer than MTU + 14 bytes."""
    dext, host = rig()
    dext.SetMTU(100)
    record = host.send(frames.udp_datagram(frames.HOST, frames.APP, 1, 9, b"z" * 200))
    assert record.dropped == "longer than the MTU (100) allows"


def test_down_purges_untaken_frames_and_returns_every_packet():
    """down(): frames still on TX submission are dropped (and were never captured); RX
    submission is emptied; every packet is back in the pool."""
    dext, host = rig()
    dext.txs.CopyDataQueue().SetEnable(False)  # the dext never hears the doorbell
    sent = [
        host.send(frames.udp_datagram(frames.HOST, frames.APP, 1, 9, bytes([i]))) for i in range(3)
    ]
    host.down()
    assert [s.dropped for s in sent] == ["interface went down before the dext took it"] * 3
    assert host.capture == [] and not dext.enabled
    assert where(dext.pool)[Place.POOL] == list(range(32))


def test_the_capture_is_written_as_a_pcap_in_crossing_order(tmp_path):
    """write_pcap writes every frame that crossed, in order; reading it back gives them."""
    dext, host = rig()
    host.send(frames.arp_request(frames.HOST, frames.APP.ipv4))
    host.send(frames.icmp_echo_request(frames.HOST, frames.APP, 1, 1))
    run(dext)
    path = tmp_path / "capture.pcap"
    assert host.write_pcap(path) == 4
    assert [frame for _, frame in read_pcap(path)] == [frame for _, frame in host.capture]
