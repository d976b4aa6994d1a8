"""Tests for vethlab.wire.frames: real Ethernet frames, their summaries, byte ranges and checks."""

import ipaddress
import itertools
import re

import dpkt
import pytest
from hypothesis import given, strategies as st

from vethlab.wire import frames
from vethlab.wire.frames import (
    APP,
    HOST,
    MAX_FRAME_LEN,
    MIN_FRAME_LEN,
    Endpoint,
    arp_reply,
    arp_request,
    describe,
    fields,
    icmp_echo_reply,
    icmp_echo_request,
    ipv6_neighbor_solicitation,
    is_reply_to,
    mixed_frames,
    udp_datagram,
    validate,
)

# ARP request from HOST (02:00:00:00:00:01, 192.0.2.1) for 192.0.2.2, written out from RFC 826
# and IEEE 802.3 by hand, not by calling the builder.
GOLDEN_ARP_REQUEST = bytes.fromhex(
    "ffffffffffff"  # Ethernet destination: broadcast
    "020000000001"  # Ethernet source: HOST
    "0806"  # EtherType: ARP
    "0001"  # hardware type: Ethernet
    "0800"  # protocol type: IPv4
    "06"  # hardware address length
    "04"  # protocol address length
    "0001"  # operation: request
    "020000000001"  # sender hardware address: HOST
    "c0000201"  # sender protocol address: 192.0.2.1
    "000000000000"  # target hardware address: unknown
    "c0000202"  # target protocol address: 192.0.2.2
    + "00"
    * 18  # padding: 14 + 28 = 42 bytes, padded to the 60-byte minimum
)


def _request():
    return icmp_echo_request(HOST, APP, ident=0x1234, seq=1, payload_len=56)


def _every_builder():
    arp = arp_request(HOST, APP.ipv4)
    ping = _request()
    return {
        "arp request": arp,
        "arp reply": arp_reply(arp, APP),
        "echo request": ping,
        "echo reply": icmp_echo_reply(ping, APP),
        "empty echo": icmp_echo_request(HOST, APP, 1, 1, 0),
        "udp": udp_datagram(HOST, APP, 50000, 9, b"hello"),
        "udp6": udp_datagram(HOST, APP, 50000, 9, b"hello", ipv6=True),
        "udp jumbo": udp_datagram(HOST, APP, 50000, 9, bytes(MAX_FRAME_LEN - 42)),
        "neighbor solicitation": ipv6_neighbor_solicitation(HOST, APP.ipv6),
    }


def _flip(frame: bytes, offset: int) -> bytes:
    return frame[:offset] + bytes([frame[offset] ^ 0xFF]) + frame[offset + 1 :]


def test_arp_request_golden_bytes():
    """An ARP request from HOST is exactly the hand-written RFC 826 frame, padded to 60."""
    assert arp_request(HOST, APP.ipv4) == GOLDEN_ARP_REQUEST


@pytest.mark.parametrize("name", list(_every_builder()))
def test_every_builder_frame_validates(name):
    """Every builder makes a frame that validate finds nothing wrong with."""
    assert validate(_every_builder()[name]) == []


@pytest.mark.parametrize("name", list(_every_builder()))
def test_frames_are_at_least_the_ethernet_minimum(name):
    """No builder makes a frame shorter than 60 bytes."""
    assert len(_every_builder()[name]) >= MIN_FRAME_LEN


def test_echo_request_layout():
    """A 56-byte ping is the classic 98-byte frame with a payload counting up from 0."""
    frame = _request()
    assert len(frame) == 98
    assert frame[42:] == bytes(range(56))
    ip = dpkt.ethernet.Ethernet(frame).data
    assert (ip.src, ip.dst, ip.ttl) == (HOST.ipv4, APP.ipv4, 64)


def test_neighbor_solicitation_goes_to_the_solicited_node_group():
    """A neighbour solicitation for 2001:db8::2 goes to ff02::1:ff00:2 at 33:33:ff:00:00:02."""
    frame = ipv6_neighbor_solicitation(HOST, APP.ipv6)
    eth = dpkt.ethernet.Ethernet(frame)
    assert eth.dst == bytes.fromhex("3333ff000002")
    assert eth.data.dst == ipaddress.IPv6Address("ff02::1:ff00:2").packed
    assert eth.data.hlim == 255
    # type 135, then reserved, the target, and the source link-layer address option
    assert frame[54] == 135
    assert frame[62:78] == APP.ipv6
    assert frame[78:86] == bytes.fromhex("01 01 020000000001".replace(" ", ""))


def test_udp_over_ipv6_zero_checksum_is_sent_as_ffff():
    """A UDP/IPv6 checksum that computes to 0 goes out as 0xffff (dpkt alone would send 0)."""
    probe = udp_datagram(HOST, APP, 0, 9, b"abc", ipv6=True)
    # The checksum falls by one for each port added, so the sport equal to it sums to zero.
    sport = dpkt.ethernet.Ethernet(probe).data.data.sum
    frame = udp_datagram(HOST, APP, sport, 9, b"abc", ipv6=True)
    ip6 = dpkt.ethernet.Ethernet(frame).data
    assert ip6.data.sum == 0xFFFF
    ip6.data.sum = 0
    bytes(ip6)
    assert ip6.data.sum == 0  # what dpkt computes by itself
    assert validate(frame) == []


def test_flipped_icmp_payload_byte_fails_with_checksum_message():
    """One flipped byte in the ICMP payload makes validate report a wrong ICMP checksum."""
    problems = validate(_flip(_request(), 42 + 10))
    assert len(problems) == 1
    assert "ICMP checksum" in problems[0]


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        (_flip(_request(), 22), "IPv4 header checksum"),  # the TTL
        (_flip(udp_datagram(HOST, APP, 50000, 9, b"hello"), 45), "UDP checksum"),
        (_flip(udp_datagram(HOST, APP, 50000, 9, b"hello", ipv6=True), 63), "UDP checksum"),
        (_flip(ipv6_neighbor_solicitation(HOST, APP.ipv6), 70), "ICMPv6 checksum"),
    ],
)
def test_validate_finds_wrong_checksums(frame, words):
    """A flipped byte covered by a checksum is reported as that checksum being wrong."""
    assert any(words in problem for problem in validate(frame))


def test_validate_refuses_a_missing_udp_checksum_over_ipv6():
    """A UDP/IPv6 checksum of 0 ("none") is reported: IPv6 requires one."""
    frame = bytearray(udp_datagram(HOST, APP, 50000, 9, b"hello", ipv6=True))
    frame[60:62] = b"\x00\x00"  # 14 Ethernet + 40 IPv6 + sport, dport, length
    assert validate(frame) == ["UDP checksum is 0 (none), which IPv6 forbids (RFC 8200 §8.1)"]


def test_validate_finds_unknown_type_and_truncation():
    """An unknown EtherType, a short frame and a cut-off IP packet are each reported."""
    unknown = GOLDEN_ARP_REQUEST[:12] + b"\x88\xb5" + GOLDEN_ARP_REQUEST[14:]
    assert validate(unknown) == ["unknown Ethernet type 0x88b5"]
    assert validate(b"\x00" * 10) == ["truncated: 10 bytes, an Ethernet header needs 14"]
    cut = _request()[:80]
    assert any(
        "total length says 84 bytes" in problem and "truncated" in problem
        for problem in validate(cut)
    )


def test_validate_finds_ip_length_inconsistent_with_frame():
    """Extra bytes after an IPv4 packet in a frame longer than 60 bytes are reported."""
    problems = validate(_request() + b"\x00" * 4)
    assert problems == ["IPv4 total length says 84 bytes but the frame carries 88"]


def test_validate_accepts_padding_only_up_to_60_bytes():
    """An ARP or a short ping padded to 60 validates; a 42-byte runt does not."""
    short_ping = icmp_echo_request(HOST, APP, 1, 1, 0)
    assert len(short_ping) == 60 and validate(short_ping) == []
    assert any("runt" in problem for problem in validate(short_ping[:42]))


def test_describe_lines():
    """describe gives one Wireshark-like line per frame kind."""
    lines = {name: describe(frame) for name, frame in _every_builder().items()}
    assert lines["arp request"] == "ARP who-has 192.0.2.2 tell 192.0.2.1"
    assert lines["arp reply"] == "ARP 192.0.2.2 is-at 02:00:00:00:00:02"
    assert lines["echo request"] == "ICMP echo request id=0x1234 seq=1 len=98"
    assert lines["echo reply"] == "ICMP echo reply id=0x1234 seq=1 len=98"
    assert lines["udp"] == "UDP 192.0.2.1:50000 → 192.0.2.2:9 len=60"
    assert lines["udp6"] == "UDP [2001:db8::1]:50000 → [2001:db8::2]:9 len=67"
    assert lines["neighbor solicitation"] == "ICMPv6 neighbor solicitation for 2001:db8::2"


def test_describe_never_raises_on_junk():
    """describe summarises junk instead of raising."""
    assert describe(b"\x01\x02") == "truncated Ethernet frame (2 bytes)"
    assert describe(bytes(14) + b"\x08\x00") == (
        "Ethernet type 0x0000 00:00:00:00:00:00 → 00:00:00:00:00:00 len=16"
    )
    assert describe(GOLDEN_ARP_REQUEST[:12] + b"\x08\x00" + bytes(5)) == "IPv4 (truncated) len=19"


_ETHERTYPES = [b"\x08\x06", b"\x08\x00", b"\x86\xdd", b"\x81\x00", b"\x88\x47", b"\x00\x20"]


@given(
    st.one_of(
        st.binary(max_size=120),
        st.tuples(
            st.binary(min_size=12, max_size=12),
            st.sampled_from(_ETHERTYPES),
            st.binary(max_size=100),
        ).map(b"".join),
    )
)
def test_readers_never_raise_on_junk(frame):
    """describe, validate, fields and is_reply_to take any bytes; fields still tiles them."""
    describe(frame)
    validate(frame)
    is_reply_to(frame, _request())
    ranges = fields(frame)
    bounds = [0] + [end for _, _, end in ranges]  # each field starts where the last one ended
    assert [(start, end) for _, start, end in ranges] == list(itertools.pairwise(bounds))
    assert (ranges[-1][2] if ranges else 0) == len(frame)


def _junk_and_cut_frames():
    ping = _request()
    return [b"", b"\x01" * 13, GOLDEN_ARP_REQUEST[:20], ping[:30], ping[:40], ping + bytes(7)]


@pytest.mark.parametrize(
    "frame",
    list(_every_builder().values()) + mixed_frames(8, max_len=9018) + _junk_and_cut_frames(),
)
def test_fields_are_contiguous_and_cover_the_frame(frame):
    """fields tiles the frame: from 0 to its length, each range starting where the last ended."""
    ranges = fields(frame)
    assert [start for _, start, _ in ranges[1:]] == [end for _, _, end in ranges[:-1]]
    assert all(start < end for _, start, end in ranges)
    if frame:
        assert ranges[0][1] == 0 and ranges[-1][2] == len(frame)
    if len(frame) >= 14:
        assert ranges[:3] == [("eth.dst", 0, 6), ("eth.src", 6, 12), ("eth.type", 12, 14)]


def test_fields_of_a_ping_and_an_arp():
    """fields names the IPv4 and ICMP headers, the payload and the Ethernet padding."""
    ping = dict((name, (start, end)) for name, start, end in fields(_request()))
    assert ping["ipv4.sum"] == (24, 26)
    assert ping["ipv4.src"] == (26, 30)
    assert ping["icmp.seq"] == (40, 42)
    assert ping["payload"] == (42, 98)
    arp = fields(GOLDEN_ARP_REQUEST)
    assert arp[-2:] == [("arp.tpa", 38, 42), ("eth.padding", 42, 60)]


def test_is_reply_to_matches_answers_only():
    """Replies match their requests; swapped, altered or unrelated frames do not."""
    ping, arp = _request(), arp_request(HOST, APP.ipv4)
    pong, arp_answer = icmp_echo_reply(ping, APP), arp_reply(arp, APP)
    assert is_reply_to(pong, ping)
    assert is_reply_to(arp_answer, arp)
    assert not is_reply_to(ping, pong)
    assert not is_reply_to(arp, arp_answer)
    assert not is_reply_to(pong, icmp_echo_request(HOST, APP, 0x1234, 2, 56))
    assert not is_reply_to(pong, icmp_echo_request(HOST, APP, 0x1234, 1, 55))
    assert not is_reply_to(pong, arp)
    assert not is_reply_to(b"junk", ping)


def test_replies_refuse_what_they_cannot_answer():
    """Replying to a non-request, or as someone the request is not for, raises ValueError."""
    with pytest.raises(ValueError, match="not an ICMP echo request: ARP who-has"):
        icmp_echo_reply(GOLDEN_ARP_REQUEST, APP)
    with pytest.raises(ValueError, match=re.escape("asks for 192.0.2.2, not for host's 192.0.2.1")):
        arp_reply(GOLDEN_ARP_REQUEST, HOST)


@given(
    seed=st.integers(),
    count=st.integers(1, 64),
    max_len=st.integers(frames.NEIGHBOR_SOLICITATION_LEN, MAX_FRAME_LEN),
)
def test_mixed_frames_property(seed, count, max_len):
    """mixed_frames is deterministic, every frame validates and fits between 60 and max_len."""
    batch = mixed_frames(count, seed=seed, max_len=max_len)
    assert batch == mixed_frames(count, seed=seed, max_len=max_len)
    assert len(batch) == count
    for frame in batch:
        assert MIN_FRAME_LEN <= len(frame) <= max_len
        assert validate(frame) == []


def test_mixed_frames_cycle_kinds_and_include_jumbo_udp():
    """The kinds cycle ARP, ICMP, UDP, NS; a large max_len gives some UDP frames over 1514."""
    batch = mixed_frames(64, seed=7, max_len=MAX_FRAME_LEN)
    kinds = [describe(frame).split()[0] for frame in batch[:4]]
    assert kinds == ["ARP", "ICMP", "UDP", "ICMPv6"]
    assert any(len(frame) > 1514 for frame in batch[2::4])
    assert all(len(frame) <= 1514 for frame in mixed_frames(64, seed=7))


def test_endpoint_text():
    """Endpoints print their name and readable addresses."""
    assert str(HOST) == "host (02:00:00:00:00:01, 192.0.2.1, 2001:db8::1)"
    assert frames.format_mac(APP.mac) == "02:00:00:00:00:02"
    assert frames.parse_mac("02:00:00:00:00:02") == APP.mac


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: Endpoint("x", b"\x02\x00", HOST.ipv4, HOST.ipv6), "mac must be 6 bytes, got 2"),
        (lambda: frames.parse_mac("02:00"), "'02:00'"),
        (lambda: arp_request(HOST, b"\xc0\x00\x02"), "target_ipv4 must be 4 bytes, got 3"),
        (lambda: icmp_echo_request(HOST, APP, 1, 1, 9000), "payload_len 9000 is out of range"),
        (lambda: icmp_echo_request(HOST, APP, 0x10000, 1), "ident 65536 is out of range"),
        (lambda: udp_datagram(HOST, APP, 1, 9, bytes(8977)), "len(payload) 8977 is out of range"),
        (lambda: mixed_frames(0), "count=0"),
        (lambda: mixed_frames(-3), "count=-3"),
        (lambda: mixed_frames(4, max_len=9019), "max_len 9019 is out of range"),
        (lambda: mixed_frames(4, max_len=60), "max_len 60 is out of range"),
    ],
)
def test_bad_input_raises_value_error_naming_the_value(make, words):
    """Bad input raises ValueError whose message names the value (and the allowed range)."""
    with pytest.raises(ValueError) as info:
        make()
    assert words in str(info.value)


def test_limits_are_named_in_errors():
    """An oversized payload's error says how much would fit."""
    with pytest.raises(ValueError, match=r"0\.\.8976"):
        icmp_echo_request(HOST, APP, 1, 1, 8977)
    assert len(icmp_echo_request(HOST, APP, 1, 1, 8976)) == MAX_FRAME_LEN


def test_mixed_frames_are_all_different():
    """No two of the first 1,000 frames are equal, so a wrong read cannot match by luck."""
    batch = mixed_frames(1000, seed=3)
    assert len(set(batch)) == len(batch)
