r"""Real Ethernet frames for the simulated host network stack and the question's scenario.

The frames that travel through the simulated packet queues are not stand-in bytes: they are
complete Ethernet II frames (ARP, IPv4 ICMP echo, UDP over IPv4 or IPv6, IPv6 neighbour
solicitation), built and parsed with dpkt, correct down to every checksum, so that Wireshark
reads them and a wrong offset in the driver shows up as a frame that no longer validates.

Who talks (all addresses from documentation ranges: RFC 5737 192.0.2.0/24, RFC 3849
2001:db8::/32, and locally administered MACs 02:...)::

    HOST  the Mac's network stack, behind the virtual interface    02:00:00:00:00:01
          192.0.2.1   2001:db8::1
    APP   the controlling app on the other end, answers pings      02:00:00:00:00:02
          192.0.2.2   2001:db8::2

One frame, as ``fields`` names its byte ranges (an ICMP echo request)::

    0      6      12   14                   34          42                          end
    +------+------+----+--------------------+-----------+---------------------------+
    | dst  | src  |type| IPv4 header        | ICMP hdr  | payload (00 01 02 ...)    |
    +------+------+----+--------------------+-----------+---------------------------+
     eth.dst eth.src     ipv4.*               icmp.*      payload      (eth.padding)

Frames carry no FCS: the 4-byte frame check sequence is added and stripped by hardware, and
neither a network stack nor a driver's packet buffers ever hold it. Frames shorter than 60
bytes are padded to 60 (see ``_finish``).

dpkt does the encoding and the checksums: it fills in an IPv4 header checksum, an ICMP
checksum, and the UDP/ICMPv6 checksums (with their pseudo-headers, over IPv4 and IPv6) when a
packet is serialised with its ``sum`` field at 0. dpkt has no class for the body of a neighbour
solicitation, so this module declares one the dpkt way (a ``__hdr__`` field tuple).
"""

from __future__ import annotations

import ipaddress
import random
import struct
from dataclasses import dataclass
from functools import lru_cache

import dpkt
from dpkt.arp import ARP, ARP_OP_REPLY, ARP_OP_REQUEST
from dpkt.ethernet import (
    ETH_CRC_LEN,
    ETH_LEN_MAX,
    ETH_LEN_MIN,
    ETH_TYPE_ARP,
    ETH_TYPE_IP,
    ETH_TYPE_IP6,
    Ethernet,
)
from dpkt.icmp import ICMP, ICMP_ECHO, ICMP_ECHOREPLY
from dpkt.icmp6 import ICMP6, ICMP6_ECHO_REPLY, ICMP6_ECHO_REQUEST, ND_NEIGHBOR_SOLICIT
from dpkt.ip import IP, IP_PROTO_ICMP, IP_PROTO_ICMP6, IP_PROTO_UDP
from dpkt.ip6 import IP6
from dpkt.udp import UDP

from vethlab.model.cint import c_int, uint16
from vethlab.networkingdriverkit.ethernet import parse_mac

__all__ = [
    "APP",
    "HOST",
    "MAX_FRAME_LEN",
    "MIN_FRAME_LEN",
    "NEIGHBOR_SOLICITATION_LEN",
    "STANDARD_MAX_FRAME_LEN",
    "Endpoint",
    "arp_reply",
    "arp_request",
    "describe",
    "fields",
    "format_mac",
    "icmp_echo_reply",
    "icmp_echo_request",
    "ipv6_neighbor_solicitation",
    "is_reply_to",
    "mixed_frames",
    "parse_mac",
    "udp_datagram",
    "validate",
]

# Frame sizes, without the FCS (see the module docstring).
MIN_FRAME_LEN = ETH_LEN_MIN - ETH_CRC_LEN  # 60: IEEE 802.3 minimum, 64 with the FCS
STANDARD_MAX_FRAME_LEN = ETH_LEN_MAX - ETH_CRC_LEN  # 1514: a 1500-byte MTU plus the header
# The largest frame vethlab builds or accepts: the usual jumbo-frame figure, a 9000-byte MTU
# + 14-byte header + 4-byte FCS. Frames here carry no FCS, so this leaves 4 bytes of slack.
MAX_FRAME_LEN = 9018

BROADCAST_MAC = b"\xff" * 6
DEFAULT_TTL = 64  # macOS's default IPv4 TTL (sysctl net.inet.ip.ttl)
ND_HOP_LIMIT = 255  # RFC 4861 §7.1.1: a neighbour solicitation with any other limit is dropped
DISCARD_PORT = 9  # RFC 863: the port test traffic is sent to in mixed_frames
SOLICITED_NODE_PREFIX = ipaddress.IPv6Address("ff02::1:ff00:0")  # RFC 4291 §2.7.1, low 24 bits
IPV6_MULTICAST_MAC_PREFIX = b"\x33\x33"  # RFC 2464 §7: then the group's low 32 bits
ND_OPT_SOURCE_LINKADDR = 1  # RFC 4861 §4.6.1


class NeighborSolicitation(dpkt.Packet):
    """The body of an ICMPv6 neighbour solicitation, after type/code/checksum (RFC 4861 §4.3)."""

    __hdr__ = (
        ("rsvd", "I", 0),  # reserved, sent as zero
        ("target", "16s", b"\x00" * 16),  # the address whose link-layer address is wanted
    )


class LinkLayerAddressOption(dpkt.Packet):
    """A source/target link-layer address option for Ethernet (RFC 4861 §4.6.1)."""

    __hdr__ = (
        ("type", "B", ND_OPT_SOURCE_LINKADDR),
        ("len", "B", 1),  # in units of 8 bytes, type and len included
        ("addr", "6s", b"\x00" * 6),
    )


# --- addresses ------------------------------------------------------------------------------


def format_mac(mac: bytes) -> str:
    """``b"\\x02\\x00..."`` as ``"02:00:..."``."""
    return dpkt.utils.mac_to_str(mac)


def _check_len(what: str, value: bytes, size: int) -> None:
    if not isinstance(value, bytes) or len(value) != size:
        shown = f"{len(value)} bytes {value!r}" if isinstance(value, bytes) else repr(value)
        raise ValueError(f"{what} must be {size} bytes, got {shown}")


@dataclass(frozen=True)
class Endpoint:
    """One side of the virtual wire: its link-layer and IP addresses, as packed bytes."""

    name: str
    mac: bytes  # 6 bytes
    ipv4: bytes  # 4 bytes
    ipv6: bytes  # 16 bytes

    def __post_init__(self) -> None:
        _check_len(f"Endpoint {self.name!r} mac", self.mac, 6)
        _check_len(f"Endpoint {self.name!r} ipv4", self.ipv4, 4)
        _check_len(f"Endpoint {self.name!r} ipv6", self.ipv6, 16)

    @classmethod
    def from_text(cls, name: str, mac: str, ipv4: str, ipv6: str) -> Endpoint:
        """An endpoint from readable addresses: ``("host", "02:00:...", "192.0.2.1", "2001:db8::1")``."""
        return cls(
            name,
            parse_mac(mac),
            ipaddress.IPv4Address(ipv4).packed,
            ipaddress.IPv6Address(ipv6).packed,
        )

    @property
    def mac_text(self) -> str:
        return format_mac(self.mac)

    @property
    def ipv4_text(self) -> str:
        return str(ipaddress.IPv4Address(self.ipv4))

    @property
    def ipv6_text(self) -> str:
        return str(ipaddress.IPv6Address(self.ipv6))

    def __str__(self) -> str:
        return f"{self.name} ({self.mac_text}, {self.ipv4_text}, {self.ipv6_text})"


HOST = Endpoint.from_text("host", "02:00:00:00:00:01", "192.0.2.1", "2001:db8::1")
APP = Endpoint.from_text("app", "02:00:00:00:00:02", "192.0.2.2", "2001:db8::2")


def _ip_text(packed: bytes) -> str:
    return str(ipaddress.ip_address(packed))


def _solicited_node(target_ipv6: bytes) -> tuple[bytes, bytes]:
    """The solicited-node multicast group of an IPv6 address, and that group's MAC."""
    low24 = int.from_bytes(target_ipv6[-3:], "big")
    group = ipaddress.IPv6Address(int(SOLICITED_NODE_PREFIX) | low24).packed
    return group, IPV6_MULTICAST_MAC_PREFIX + group[-4:]


# --- building -------------------------------------------------------------------------------

_ETH_HDR = Ethernet.__hdr_len__
_IPV4_UDP_OVERHEAD = _ETH_HDR + IP.__hdr_len__ + UDP.__hdr_len__
_IPV6_UDP_OVERHEAD = _ETH_HDR + IP6.__hdr_len__ + UDP.__hdr_len__
_ICMP_ECHO_OVERHEAD = _ETH_HDR + IP.__hdr_len__ + ICMP.__hdr_len__ + ICMP.Echo.__hdr_len__
NEIGHBOR_SOLICITATION_LEN = (
    _ETH_HDR
    + IP6.__hdr_len__
    + ICMP6.__hdr_len__
    + NeighborSolicitation.__hdr_len__
    + LinkLayerAddressOption.__hdr_len__
)  # 86: the longest frame whose length does not vary, so the smallest max_len mixed_frames takes


def _as_bytes(value: bytes | bytearray | memoryview, what: str = "frame") -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"{what} must be bytes, bytearray or memoryview, got {type(value).__name__}"
        )
    return bytes(value)


def _check_payload(what: str, size: int, overhead: int) -> int:
    return c_int(what, size, 0, MAX_FRAME_LEN - overhead)


def _finish(eth: Ethernet) -> bytes:
    """Serialise a frame (dpkt fills in every zero checksum) and pad it to the minimum.

    Ethernet needs 64 bytes on the wire, FCS included, so a NIC pads a shorter frame with zeros
    to 60 bytes before appending the FCS; a receiver, and a capture, sees those 60 bytes.
    vethlab pads every frame it builds (modelled: a real stack may hand its driver the short
    frame and leave the padding to the hardware).
    """
    return bytes(eth).ljust(MIN_FRAME_LEN, b"\x00")


def arp_request(src: Endpoint, target_ipv4: bytes) -> bytes:
    """Broadcast "who has ``target_ipv4``? tell ``src``" (RFC 826)."""
    _check_len("target_ipv4", target_ipv4, 4)
    arp = ARP(op=ARP_OP_REQUEST, sha=src.mac, spa=src.ipv4, tha=b"\x00" * 6, tpa=target_ipv4)
    return _finish(Ethernet(dst=BROADCAST_MAC, src=src.mac, type=ETH_TYPE_ARP, data=arp))


def arp_reply(request_frame: bytes, responder: Endpoint) -> bytes:
    """``responder``'s answer to an ARP request for its IPv4 address, sent to the asker."""
    eth = _parse(request_frame)
    request = eth.data if eth is not None else None
    if not isinstance(request, ARP) or request.op != ARP_OP_REQUEST:
        raise ValueError(f"not an ARP request: {describe(request_frame)}")
    if request.tpa != responder.ipv4:
        raise ValueError(
            f"the request asks for {_ip_text(request.tpa)}, not for {responder.name}'s "
            f"{responder.ipv4_text}; only the owner of an address answers"
        )
    arp = ARP(
        op=ARP_OP_REPLY, sha=responder.mac, spa=responder.ipv4, tha=request.sha, tpa=request.spa
    )
    return _finish(Ethernet(dst=request.sha, src=responder.mac, type=ETH_TYPE_ARP, data=arp))


def _echo_payload(size: int) -> bytes:
    """00 01 02 ... ff 00 01 ...: easy to recognise, and to spot when shifted, in a hex dump."""
    return bytes(i & 0xFF for i in range(size))


def _icmp_echo(
    src_mac: bytes,
    dst_mac: bytes,
    src_ip: bytes,
    dst_ip: bytes,
    icmp_type: int,
    echo: ICMP.Echo,
) -> bytes:
    icmp = ICMP(type=icmp_type, code=0, data=echo)
    ip = IP(src=src_ip, dst=dst_ip, p=IP_PROTO_ICMP, ttl=DEFAULT_TTL, data=icmp)
    return _finish(Ethernet(dst=dst_mac, src=src_mac, type=ETH_TYPE_IP, data=ip))


def icmp_echo_request(
    src: Endpoint, dst: Endpoint, ident: int, seq: int, payload_len: int = 56
) -> bytes:
    """An IPv4 ping from ``src`` to ``dst``; the payload counts up 00 01 02 ... (56: ping's default)."""
    ident, seq = uint16("ident", ident), uint16("seq", seq)
    payload_len = _check_payload("payload_len", payload_len, _ICMP_ECHO_OVERHEAD)
    echo = ICMP.Echo(id=ident, seq=seq, data=_echo_payload(payload_len))
    return _icmp_echo(src.mac, dst.mac, src.ipv4, dst.ipv4, ICMP_ECHO, echo)


def icmp_echo_reply(request_frame: bytes, responder: Endpoint) -> bytes:
    """``responder``'s echo reply: same id, seq and payload, addresses swapped (RFC 792)."""
    eth = _parse(request_frame)
    ip = eth.data if eth is not None else None
    echo = _echo_of(ip, ICMP_ECHO)
    if echo is None:
        raise ValueError(f"not an ICMP echo request: {describe(request_frame)}")
    if ip.dst != responder.ipv4:
        raise ValueError(
            f"the request is for {_ip_text(ip.dst)}, not for {responder.name}'s "
            f"{responder.ipv4_text}"
        )
    reply = ICMP.Echo(id=echo.id, seq=echo.seq, data=echo.data)
    return _icmp_echo(responder.mac, eth.src, responder.ipv4, ip.src, ICMP_ECHOREPLY, reply)


def udp_datagram(
    src: Endpoint, dst: Endpoint, sport: int, dport: int, payload: bytes, *, ipv6: bool = False
) -> bytes:
    """A UDP datagram from ``src`` to ``dst``, over IPv4 or (``ipv6=True``) IPv6."""
    sport, dport = uint16("sport", sport), uint16("dport", dport)
    payload = _as_bytes(payload, "payload")
    overhead = _IPV6_UDP_OVERHEAD if ipv6 else _IPV4_UDP_OVERHEAD
    _check_payload("len(payload)", len(payload), overhead)
    udp = UDP(sport=sport, dport=dport, ulen=UDP.__hdr_len__ + len(payload), data=payload)
    if not ipv6:
        ip = IP(src=src.ipv4, dst=dst.ipv4, p=IP_PROTO_UDP, ttl=DEFAULT_TTL, data=udp)
        return _finish(Ethernet(dst=dst.mac, src=src.mac, type=ETH_TYPE_IP, data=ip))
    ip6 = _ip6(src.ipv6, dst.ipv6, IP_PROTO_UDP, DEFAULT_TTL, udp)
    bytes(ip6)  # dpkt fills in udp.sum
    if udp.sum == 0:
        # RFC 8200 §8.1: a computed zero goes out as 0xffff (0 would mean "no checksum", which
        # IPv6 forbids). dpkt's IPv4 path does this; its IPv6 path does not.
        udp.sum = 0xFFFF
    return _finish(Ethernet(dst=dst.mac, src=src.mac, type=ETH_TYPE_IP6, data=ip6))


def _ip6(src: bytes, dst: bytes, nxt: int, hlim: int, data: dpkt.Packet) -> IP6:
    # dpkt's IP6 computes the upper-layer checksum but not the payload length: set plen here.
    return IP6(src=src, dst=dst, nxt=nxt, hlim=hlim, plen=len(data), data=data)


def ipv6_neighbor_solicitation(src: Endpoint, target_ipv6: bytes) -> bytes:
    """ "Who has ``target_ipv6``?" to its solicited-node group, with ``src``'s MAC as an option."""
    _check_len("target_ipv6", target_ipv6, 16)
    group, group_mac = _solicited_node(target_ipv6)
    option = LinkLayerAddressOption(type=ND_OPT_SOURCE_LINKADDR, addr=src.mac)
    ns = NeighborSolicitation(target=target_ipv6, data=bytes(option))
    icmp6 = ICMP6(type=ND_NEIGHBOR_SOLICIT, code=0, data=bytes(ns))
    ip6 = _ip6(src.ipv6, group, IP_PROTO_ICMP6, ND_HOP_LIMIT, icmp6)
    return _finish(Ethernet(dst=group_mac, src=src.mac, type=ETH_TYPE_IP6, data=ip6))


def _udp_text(index: int, seed: int, size: int) -> bytes:
    """ "vethlab frame 0007 seed 1 " repeated: a stale copy of this frame names itself (and the
    batch it came from) in a hex dump."""
    unit = f"vethlab frame {index:04d} seed {seed} ".encode()
    return (unit * (size // len(unit) + 1))[:size]


def mixed_frames(count: int, seed: int = 0, max_len: int = STANDARD_MAX_FRAME_LEN) -> list[bytes]:
    """``count`` frames from HOST, cycling ARP, ICMP echo, UDP, IPv6 NS; same seed, same bytes.

    ARP requests and neighbour solicitations ask for APP's address first, then for other
    neighbours in the documentation ranges, so the first 1,000 frames are all different.

    ICMP lengths are drawn from 60 up to ``min(max_len, 1514)``; UDP lengths from 60 up to
    ``max_len``, so when ``max_len`` exceeds 1514 some UDP frames are jumbo frames. Every other
    UDP datagram travels over IPv6.
    """
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"count={count!r} must be a whole number of frames, at least 1")
    max_len = c_int("max_len", max_len, NEIGHBOR_SOLICITATION_LEN, MAX_FRAME_LEN)
    rng = random.Random(seed)
    ident = rng.randrange(0x10000)  # one ping process, as `ping` uses one id per run
    sport = rng.randrange(49152, 0x10000)  # one ephemeral port (RFC 6335 dynamic range)
    frames = []
    for index in range(count):
        kind, round_ = index % 4, index // 4
        # ARP and NS ask for a different neighbour each round (APP first), so that no two
        # frames of a batch are equal: a read at the wrong place can never match by luck.
        neighbour = 2 + round_ % 250
        if kind == 0:
            frames.append(arp_request(HOST, APP.ipv4[:3] + bytes([neighbour])))
        elif kind == 1:
            longest = min(max_len, STANDARD_MAX_FRAME_LEN) - _ICMP_ECHO_OVERHEAD
            size = rng.randint(0, longest)
            frames.append(icmp_echo_request(HOST, APP, ident, (round_ + 1) & 0xFFFF, size))
        elif kind == 2:
            ipv6 = round_ % 2 == 1
            overhead = _IPV6_UDP_OVERHEAD if ipv6 else _IPV4_UDP_OVERHEAD
            payload = _udp_text(index, seed, rng.randint(0, max_len - overhead))
            frames.append(udp_datagram(HOST, APP, sport, DISCARD_PORT, payload, ipv6=ipv6))
        else:
            frames.append(ipv6_neighbor_solicitation(HOST, APP.ipv6[:15] + bytes([neighbour])))
    return frames


# --- reading --------------------------------------------------------------------------------


# The EtherTypes vethlab decodes: (name in summaries, layer name in ``fields``).
_NETWORK_LAYERS = {
    ETH_TYPE_ARP: ("ARP", "arp"),
    ETH_TYPE_IP: ("IPv4", "ipv4"),
    ETH_TYPE_IP6: ("IPv6", "ipv6"),
}


class _EthernetHeader(dpkt.Packet):
    """Ethernet's header alone: dst, src, type, then the body as raw bytes."""

    __hdr__ = Ethernet.__hdr__


def _parse(frame: bytes) -> Ethernet | _EthernetHeader | None:
    """A fresh dpkt parse of a frame (a copy the caller may change), or None if under 14 bytes.

    Only the EtherTypes above are decoded; any other frame is a bare header and raw bytes.
    dpkt's Ethernet would also try 802.3 LLC, VLAN and MPLS, and raises (even IndexError) on
    some cut-short ones.
    """
    frame = _as_bytes(frame)
    if len(frame) < _ETH_HDR:
        return None
    header = _EthernetHeader(frame)
    return Ethernet(frame) if header.type in _NETWORK_LAYERS else header


def _echo_of(ip: object, icmp_type: int) -> ICMP.Echo | None:
    """The echo body of an IPv4 ICMP echo request/reply of ``icmp_type``, else None."""
    if not isinstance(ip, IP) or not isinstance(ip.data, ICMP):
        return None
    icmp = ip.data
    if icmp.type != icmp_type or not isinstance(icmp.data, ICMP.Echo):
        return None
    return icmp.data


def _neighbor_solicitation(data: object) -> NeighborSolicitation | None:
    """The body of an ICMPv6 neighbour solicitation (dpkt leaves it as bytes), else None."""
    if (
        not isinstance(data, ICMP6)
        or data.type != ND_NEIGHBOR_SOLICIT
        or len(data.data) < NeighborSolicitation.__hdr_len__
    ):
        return None
    return NeighborSolicitation(data.data)


def describe(frame: bytes) -> str:
    """A one-line, Wireshark-like summary; ``len`` is the whole frame's length.

    ``ARP who-has 192.0.2.2 tell 192.0.2.1``,
    ``ICMP echo request id=0x1234 seq=1 len=98``,
    ``UDP 192.0.2.1:50000 → 192.0.2.2:9 len=60``,
    ``ICMPv6 neighbor solicitation for 2001:db8::2``. Never raises on malformed bytes.
    """
    frame = _as_bytes(frame)
    eth = _parse(frame)
    if eth is None:
        return f"truncated Ethernet frame ({len(frame)} bytes)"
    n = len(frame)
    data = eth.data
    if eth.type == ETH_TYPE_ARP and isinstance(data, ARP):
        if data.op == ARP_OP_REQUEST:
            return f"ARP who-has {_ip_text(data.tpa)} tell {_ip_text(data.spa)}"
        if data.op == ARP_OP_REPLY:
            return f"ARP {_ip_text(data.spa)} is-at {format_mac(data.sha)}"
        return f"ARP opcode {data.op}"
    if eth.type == ETH_TYPE_IP and isinstance(data, IP):
        return _describe_ip(_ip_text(data.src), _ip_text(data.dst), data.p, data.data, n)
    if eth.type == ETH_TYPE_IP6 and isinstance(data, IP6):
        return _describe_ip(
            f"[{_ip_text(data.src)}]", f"[{_ip_text(data.dst)}]", data.nxt, data.data, n
        )
    if eth.type in _NETWORK_LAYERS:
        return f"{_NETWORK_LAYERS[eth.type][0]} (truncated) len={n}"
    return f"Ethernet type 0x{eth.type:04x} {format_mac(eth.src)} → {format_mac(eth.dst)} len={n}"


_ECHO_KINDS = {
    ICMP_ECHO: "request",
    ICMP_ECHOREPLY: "reply",
    ICMP6_ECHO_REQUEST: "request",
    ICMP6_ECHO_REPLY: "reply",
}


def _describe_ip(src: str, dst: str, proto: int, data: object, n: int) -> str:
    """The line for an IP packet; IPv6 addresses come in brackets, as beside a port number."""
    if isinstance(data, UDP):
        return f"UDP {src}:{data.sport} → {dst}:{data.dport} len={n}"
    for name, cls in (("ICMP", ICMP), ("ICMPv6", ICMP6)):
        if isinstance(data, cls) and isinstance(data.data, cls.Echo):
            kind = _ECHO_KINDS.get(data.type, f"type {data.type}")
            return f"{name} echo {kind} id=0x{data.data.id:04x} seq={data.data.seq} len={n}"
    ns = _neighbor_solicitation(data)
    if ns is not None:
        return f"ICMPv6 neighbor solicitation for {_ip_text(ns.target)}"
    if isinstance(data, (ICMP, ICMP6)):
        name = "ICMP" if isinstance(data, ICMP) else "ICMPv6"
        return f"{name} type {data.type} code {data.code} len={n}"
    return f"IP {src.strip('[]')} → {dst.strip('[]')} protocol {proto} len={n}"


# --- byte ranges ----------------------------------------------------------------------------


def _header_ranges(layer: str, cls: type[dpkt.Packet], start: int) -> list[tuple[str, int, int]]:
    """The ranges of ``cls``'s header fields at ``start``, read off its ``__hdr__`` tuple.

    A dpkt bit-field word (``_v_hl``) is named after its parts (``v/hl``).
    """
    bit_fields = getattr(cls, "__bit_fields__", {})
    ranges = []
    for name, fmt, _default in cls.__hdr__:
        size = struct.calcsize(">" + fmt)  # dpkt packs big-endian, without alignment
        if name in bit_fields:
            name = "/".join(part for part, _bits in bit_fields[name])
        ranges.append((f"{layer}.{name}", start, start + size))
        start += size
    return ranges


def fields(frame: bytes) -> list[tuple[str, int, int]]:
    """The frame's regions as ``(name, start, end)``, contiguous from 0 to ``len(frame)``.

    Names are ``layer.field`` (``eth.dst``, ``ipv4.ttl``, ``icmp.seq``, ``udp.sum``, ...), then
    ``payload`` and ``eth.padding``; a layer cut short is ``layer.truncated``. For colouring a
    hex dump, colour by the part before the dot.

    Each distinct frame is parsed once (:func:`_fields`): a dashboard colours the same frames
    again at every move of a control.
    """
    return list(_fields(_as_bytes(frame)))


@lru_cache(maxsize=4096)
def _fields(frame: bytes) -> tuple[tuple[str, int, int], ...]:
    """:func:`fields` of ``frame``, as a tuple (the cache hands the same one to every caller)."""
    eth = _parse(frame)
    if eth is None:
        return (("eth.truncated", 0, len(frame)),) if frame else ()
    out = _header_ranges("eth", Ethernet, 0)
    end = _network_ranges(out, eth, _ETH_HDR, len(frame))
    if end < len(frame):
        out.append(("eth.padding", end, len(frame)))
    return tuple(out)


def _region(out: list, name: str, start: int, end: int) -> int:
    if end > start:
        out.append((name, start, end))
    return max(start, end)


def _network_ranges(out: list, eth: Ethernet, start: int, n: int) -> int:
    """Append the network layer's ranges; return where the network packet ends."""
    data = eth.data
    if eth.type == ETH_TYPE_ARP and isinstance(data, ARP):
        out += _header_ranges("arp", ARP, start)
        return start + ARP.__hdr_len__
    if eth.type == ETH_TYPE_IP and isinstance(data, IP):
        out += _header_ranges("ipv4", IP, start)
        header_end = _region(
            out, "ipv4.options", start + IP.__hdr_len__, start + IP.__hdr_len__ + len(data.opts)
        )
        end = header_end + len(data.data)  # dpkt cut the payload at the total length
        _transport_ranges(out, data.data, header_end, end)
        return end
    if eth.type == ETH_TYPE_IP6 and isinstance(data, IP6):
        out += _header_ranges("ipv6", IP6, start)
        header_end = start + IP6.__hdr_len__
        end = start + len(data)  # dpkt cut the payload at the payload length
        if data.all_extension_headers:
            return _region(out, "ipv6.payload", header_end, end)
        _transport_ranges(out, data.data, header_end, end)
        return end
    if eth.type in _NETWORK_LAYERS:
        return _region(out, f"{_NETWORK_LAYERS[eth.type][1]}.truncated", start, n)
    return _region(out, "payload", start, n)


def _transport_ranges(out: list, data: object, start: int, end: int) -> None:
    if isinstance(data, ICMP):
        out += _header_ranges("icmp", ICMP, start)
        start += ICMP.__hdr_len__
        if isinstance(data.data, ICMP.Echo):
            out += _header_ranges("icmp", ICMP.Echo, start)
            start += ICMP.Echo.__hdr_len__
    elif isinstance(data, UDP):
        out += _header_ranges("udp", UDP, start)
        start += UDP.__hdr_len__
    elif isinstance(data, ICMP6):
        out += _header_ranges("icmpv6", ICMP6, start)
        start += ICMP6.__hdr_len__
        if isinstance(data.data, ICMP6.Echo):
            out += _header_ranges("icmpv6", ICMP6.Echo, start)
            start += ICMP6.Echo.__hdr_len__
        elif (ns := _neighbor_solicitation(data)) is not None:
            out += _header_ranges("icmpv6", NeighborSolicitation, start)
            start += NeighborSolicitation.__hdr_len__
            if _is_one_link_layer_option(ns.data):
                out += _header_ranges("icmpv6.option", LinkLayerAddressOption, start)
                start += LinkLayerAddressOption.__hdr_len__
            start = _region(out, "icmpv6.options", start, end)
    _region(out, "payload", start, end)


def _is_one_link_layer_option(options: bytes) -> bool:
    """Whether a neighbour solicitation's options are exactly one Ethernet link-layer address."""
    if len(options) != LinkLayerAddressOption.__hdr_len__:
        return False
    option = LinkLayerAddressOption(options)
    return option.len * 8 == len(options)


# --- checking -------------------------------------------------------------------------------


def validate(frame: bytes) -> list[str]:
    """What is wrong with a frame, one sentence per problem; ``[]`` for a good frame.

    Checks the length, the Ethernet type, truncation, the IPv4 header checksum, the ICMP, UDP
    and ICMPv6 checksums, and IP/UDP lengths against the bytes the frame carries. Checksums are
    recomputed by dpkt, on a fresh parse with the sum zeroed, and compared.
    """
    frame = _as_bytes(frame)
    n = len(frame)
    eth = _parse(frame)
    if eth is None:
        return [f"truncated: {n} bytes, an Ethernet header needs {_ETH_HDR}"]
    problems = []
    if n < MIN_FRAME_LEN:
        problems.append(f"runt: {n} bytes, the Ethernet minimum is {MIN_FRAME_LEN} (without FCS)")
    if n > MAX_FRAME_LEN:
        problems.append(f"oversize: {n} bytes, the largest frame allowed is {MAX_FRAME_LEN}")
    check = _CHECKS.get(eth.type)
    if check is None:
        problems.append(f"unknown Ethernet type 0x{eth.type:04x}")
    else:
        problems += check(frame, eth)
    return problems


def _check_arp(frame: bytes, eth: Ethernet) -> list[str]:
    arp = eth.data
    if not isinstance(arp, ARP):
        return [_truncated("ARP", len(frame) - _ETH_HDR, ARP.__hdr_len__)]
    problems = []
    if (arp.hln, arp.pln) != (6, 4):
        problems.append(
            f"ARP address lengths hln={arp.hln} pln={arp.pln}, Ethernet/IPv4 needs 6 and 4"
        )
    if arp.op not in (ARP_OP_REQUEST, ARP_OP_REPLY):
        problems.append(f"ARP opcode {arp.op} is neither request (1) nor reply (2)")
    return problems


def _truncated(what: str, have: int, need: int) -> str:
    return f"truncated {what}: {have} bytes left, its header needs {need}"


def _length_problem(what: str, declared: int, have: int, frame_len: int, field: str) -> str | None:
    """Compare an IP packet's declared length with the bytes after the Ethernet header.

    Only a minimum-size frame may carry more: the Ethernet padding.
    """
    if declared > have:
        return f"{what} {field} says {declared} bytes but the frame carries only {have}: truncated"
    if declared < have and not (frame_len == MIN_FRAME_LEN and _ETH_HDR + declared < frame_len):
        return f"{what} {field} says {declared} bytes but the frame carries {have}"
    return None


def _check_ipv4(frame: bytes, eth: Ethernet) -> list[str]:
    ip = eth.data
    have = len(frame) - _ETH_HDR
    if not isinstance(ip, IP):
        if have < IP.__hdr_len__:
            return [_truncated("IPv4 packet", have, IP.__hdr_len__)]
        return ["IPv4 header length field is below 5 (20 bytes)"]
    problems = []
    if ip.v != 4:
        problems.append(f"IPv4 version field is {ip.v}")
    stored = ip.sum
    ip.sum = 0  # the header alone: dpkt's IP.__bytes__ would also rewrite the total length
    expected = dpkt.in_cksum(ip.pack_hdr() + bytes(ip.opts))
    if stored != expected:
        problems.append(f"IPv4 header checksum 0x{stored:04x} is wrong, expected 0x{expected:04x}")
    length = _length_problem("IPv4", ip.len, have, len(frame), "total length")
    if length is not None:
        problems.append(length)
    if ip.len > have or ip.mf or ip.offset:
        return problems  # a cut-off packet or a fragment: its transport checksum cannot be checked
    return problems + _check_transport(frame, ip.data, ip.p, "IPv4")


def _check_ipv6(frame: bytes, eth: Ethernet) -> list[str]:
    ip6 = eth.data
    have = len(frame) - _ETH_HDR
    if not isinstance(ip6, IP6):
        return [_truncated("IPv6 packet", have, IP6.__hdr_len__)]
    problems = []
    if ip6.v != 6:
        problems.append(f"IPv6 version field is {ip6.v}")
    length = _length_problem(
        "IPv6", IP6.__hdr_len__ + ip6.plen, have, len(frame), "payload length + 40"
    )
    if length is not None:
        problems.append(length)
    if IP6.__hdr_len__ + ip6.plen > have or ip6.all_extension_headers:
        return problems
    return problems + _check_transport(frame, ip6.data, ip6.nxt, "IPv6")


def _check_transport(frame: bytes, data: object, proto: int, version: str) -> list[str]:
    name, cls = {
        IP_PROTO_ICMP: ("ICMP", ICMP),
        IP_PROTO_UDP: ("UDP", UDP),
        IP_PROTO_ICMP6: ("ICMPv6", ICMP6),
    }.get(proto, (None, None))
    if cls is None:
        return []  # vethlab sends nothing else; other protocols are not checked
    if not isinstance(data, cls):
        return [_truncated(name, len(data), cls.__hdr_len__)]
    problems = []
    if cls is UDP:
        if data.ulen != len(data):
            problems.append(
                f"UDP length {data.ulen} but the {version} payload is {len(data)} bytes"
            )
        if data.sum == 0:
            if version == "IPv6":
                problems.append("UDP checksum is 0 (none), which IPv6 forbids (RFC 8200 §8.1)")
            return problems  # over IPv4, 0 means the sender computed none (RFC 768)
    expected = _recomputed_transport_sum(frame)
    if data.sum != expected:
        problems.append(f"{name} checksum 0x{data.sum:04x} is wrong, expected 0x{expected:04x}")
    return problems


def _recomputed_transport_sum(frame: bytes) -> int:
    """The ICMP/UDP/ICMPv6 checksum dpkt computes for the frame's transport header."""
    ip = _parse(frame).data  # a fresh copy: zeroing its sums leaves the caller's parse alone
    ip.data.sum = 0
    if isinstance(ip, IP):
        ip.sum = 0  # dpkt computes a zero UDP sum only while also computing the IPv4 sum
    bytes(ip)
    if isinstance(ip.data, UDP) and ip.data.sum == 0:
        return 0xFFFF  # RFC 768: a computed zero is sent as all ones (dpkt does this for IPv4 only)
    return ip.data.sum


_CHECKS = {ETH_TYPE_ARP: _check_arp, ETH_TYPE_IP: _check_ipv4, ETH_TYPE_IP6: _check_ipv6}


def is_reply_to(reply: bytes, request: bytes) -> bool:
    """Whether ``reply`` answers ``request``: an ARP reply to an ARP request, or an ICMP echo
    reply to an echo request (same id, seq and payload, addresses swapped).

    Checks matching only; ``validate`` checks checksums.
    """
    rep, req = _parse(reply), _parse(request)
    if rep is None or req is None or rep.dst != req.src:
        return False
    if isinstance(rep.data, ARP) and isinstance(req.data, ARP):
        a, q = rep.data, req.data
        return (
            q.op == ARP_OP_REQUEST
            and a.op == ARP_OP_REPLY
            and (a.spa, a.tpa, a.tha) == (q.tpa, q.spa, q.sha)
        )
    a_echo, q_echo = _echo_of(rep.data, ICMP_ECHOREPLY), _echo_of(req.data, ICMP_ECHO)
    if a_echo is None or q_echo is None:
        return False
    a, q = rep.data, req.data
    return (a.src, a.dst) == (q.dst, q.src) and (a_echo.id, a_echo.seq, a_echo.data) == (
        q_echo.id,
        q_echo.seq,
        q_echo.data,
    )
