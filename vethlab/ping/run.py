"""``vethlab ping``: ping the app through the virtual Ethernet dext, and count everything.

    vethlab ping [--count N] [--json] [--pcap FILE] [--tap] [--design D] [--flow bsd|native]

Simulated (the default): the simulated host stack first resolves the app's address (ARP),
sends it one UDP datagram, then ``count`` ICMP echo requests, one at a time, each through TX
submission, the dext, GetPacket, the responder app, PutPacket, RX completion and back.
With ``--tap`` a real Linux kernel in a network namespace does the same through a TAP device
(root, ``/dev/net/tun`` and ``ip`` needed; see :mod:`vethlab.wire.tap`).

The JSON keys (a stable interface): ``sent`` and ``received`` (echo requests and the replies
that matched them), ``dropped`` (frames dropped anywhere on the path, both ways), ``drops``
(the same by reason), ``packets_leaked`` (pool packets not back in the pool after the
interface went down), ``pcap`` (the file written, or null), ``mode``, ``frames`` (frames that
crossed the interface).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from vethlab.model.cint import UINT16_MAX, c_int
from vethlab.ping.link import VirtualLink
from vethlab.wire import frames as _frames
from vethlab.wire.frames import APP, HOST

__all__ = ["PingReport", "run_ping", "run_tap_ping", "PING_IDENT", "DISCARD_PORT"]

PING_IDENT = 0x7668  # "vh": the id of every echo request of a run
DISCARD_PORT = 9  # RFC 863


@dataclass
class PingReport:
    mode: str
    sent: int
    received: int
    dropped: int
    packets_leaked: int
    pcap: str | None
    drops: dict = field(default_factory=dict)
    frames: int = 0
    lines: list[str] = field(default_factory=list, repr=False)

    def to_json(self) -> dict:
        out = asdict(self)
        del out["lines"]
        return out


def _dropped(link) -> dict:
    acc = link.accounting()
    drops: dict[str, int] = {}
    for direction in ("out", "in"):
        for reason, n in acc[direction]["dropped"].items():
            drops[f"{direction}: {reason}"] = n
    return drops


def run_ping(
    count: int = 4,
    *,
    pcap: str | None = None,
    design: str = "per_packet",
    flow: str = "bsd",
    seed: int = 0,
    profile: str = "apple-silicon",
    packets: int = 64,
    capacity: int = 16,
    payload_len: int = 56,
) -> PingReport:
    """Ping the app ``count`` times through the simulated dext; see the module docstring."""
    count = c_int("count", count, 0, UINT16_MAX)  # the ICMP sequence number is 16 bits
    link = VirtualLink(
        profile=profile, seed=seed, packets=packets, capacities=capacity, design=design
    )
    host = link.host
    lines = [
        f"PING {APP.ipv4_text} through the vethlab dext ({design} app, {flow} flow): "
        f"{payload_len} data bytes"
    ]
    # What a stack does before its first IPv4 frame to a new neighbour: ask for its MAC.
    arp = host.send(_frames.arp_request(HOST, APP.ipv4), flow=flow)
    link.settle()
    if arp.answered_by is not None:
        lines.append(f"{APP.ipv4_text} is at {_frames.format_mac(host.neighbors[APP.ipv4])}")
    host.send(
        _frames.udp_datagram(HOST, APP, 49152 + seed % 16384, DISCARD_PORT, b"vethlab ping: hello"),
        flow=flow,
    )
    link.settle()
    echoes = []
    for seq in range(1, count + 1):
        record = host.send(
            _frames.icmp_echo_request(HOST, APP, PING_IDENT, seq, payload_len), flow=flow
        )
        link.settle()
        echoes.append(record)
        if record.answered_by is not None:
            reply = host.received[record.answered_by].frame
            lines.append(f"{len(reply) - 34} bytes from {APP.ipv4_text}: icmp_seq={seq} ttl=64")
        else:
            lines.append(f"no reply for icmp_seq={seq} ({record.dropped or 'lost'})")
    link.shutdown()
    written = None
    if pcap is not None:
        host.write_pcap(pcap)
        written = str(pcap)
    received = sum(r.answered_by is not None for r in echoes)
    drops = _dropped(link)
    report = PingReport(
        "simulated",
        count,
        received,
        sum(drops.values()),
        len(link.leaked()),
        written,
        drops,
        len(host.capture),
        lines,
    )
    lines.append(_summary(report))
    return report


def run_tap_ping(
    count: int = 4,
    *,
    pcap: str | None = None,
    design: str = "per_packet",
    seed: int = 0,
    packets: int = 64,
    capacity: int = 16,
) -> PingReport:
    """The kernel of a network namespace pings the app through a TAP device and the dext."""
    from vethlab.ping.tap_link import TapLink

    with TapLink(seed=seed, packets=packets, capacities=capacity, design=design) as tap:
        lines = [
            f"PING {APP.ipv4_text} from a Linux kernel (namespace {tap.tap.namespace}, "
            f"TAP {tap.tap.name}) through the vethlab dext ({design} app)"
        ]
        udp = tap.kernel_udp(b"vethlab ping: hello")
        neighbour = tap.neighbor()
        lines.append(f"kernel's neighbour entry: {neighbour or 'none'}")
        result = tap.kernel_ping(count, PING_IDENT)
        link = tap.link
        link.shutdown()
        if udp.returncode or result.returncode:
            lines.append(f"kernel program failed: {udp.stderr or result.stderr}")
        written = None
        if pcap is not None:
            link.host.write_pcap(pcap)
            written = str(pcap)
        drops = _dropped(link)
        report = PingReport(
            "tap",
            result.result.get("sent", 0),
            result.result.get("received", 0),
            sum(drops.values()),
            len(link.leaked()),
            written,
            drops,
            len(link.host.capture),
            lines,
        )
    lines.append(_summary(report))
    return report


def _summary(report: PingReport) -> str:
    return (
        f"--- {report.sent} echo requests sent, {report.received} replies received, "
        f"{report.dropped} frames dropped, {report.packets_leaked} packets leaked"
        + (f", {report.frames} frames in {report.pcap}" if report.pcap else "")
    )
