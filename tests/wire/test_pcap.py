"""Tests for vethlab.wire.pcap: frames saved for Wireshark, and read back."""

import io
import shutil
import subprocess

import pytest

from vethlab.wire.frames import (
    APP,
    HOST,
    arp_reply,
    icmp_echo_reply,
    icmp_echo_request,
    mixed_frames,
)
from vethlab.wire.pcap import SNAPLEN, read_pcap, timestamps, write_pcap


def _frames():
    batch = mixed_frames(8, seed=1, max_len=9018)
    ping = icmp_echo_request(HOST, APP, 0x1234, 1, 56)
    return [*batch, icmp_echo_reply(ping, APP), arp_reply(batch[0], APP)]


def test_round_trip_through_a_file(tmp_path):
    """Writing then reading gives the same frames and the promised timestamps."""
    path = tmp_path / "frames.pcap"
    batch = _frames()
    assert write_pcap(path, batch, start_time=1_700_000_000.25, step=0.001) == len(batch)
    records = read_pcap(path)
    assert [frame for _, frame in records] == batch
    assert [ts for ts, _ in records] == timestamps(len(batch), 1_700_000_000.25, 0.001)
    assert records[1][0] == pytest.approx(1_700_000_000.251, abs=1e-9)


def test_round_trip_through_an_open_file():
    """An open binary file is written to, left open, and can be read back."""
    buffer = io.BytesIO()
    write_pcap(buffer, _frames())
    assert not buffer.closed
    buffer.seek(0)
    assert read_pcap(buffer) == list(zip(timestamps(len(_frames())), _frames(), strict=True))


def test_same_frames_same_file(tmp_path):
    """Two writes of the same frames are the same bytes: nothing depends on the clock."""
    write_pcap(tmp_path / "a.pcap", _frames())
    write_pcap(tmp_path / "b.pcap", _frames())
    assert (tmp_path / "a.pcap").read_bytes() == (tmp_path / "b.pcap").read_bytes()


def test_timestamps_are_whole_microseconds():
    """Default timestamps step by one millisecond from 0."""
    assert timestamps(4) == [0.0, 0.001, 0.002, 0.003]


def test_bad_input_raises_value_error():
    """Negative times and frames longer than the snapshot length are refused by value."""
    with pytest.raises(ValueError, match="step=-1"):
        write_pcap(io.BytesIO(), _frames(), step=-1)
    with pytest.raises(ValueError, match=f"frame 0 is {SNAPLEN + 1} bytes"):
        write_pcap(io.BytesIO(), [bytes(SNAPLEN + 1)])


EXPECTED_PROTOCOLS = [
    "eth:ethertype:arp",
    "eth:ethertype:ip:icmp:data",
    "eth:ethertype:ip:udp:data",
    "eth:ethertype:ipv6:icmpv6",
    "eth:ethertype:arp",
    "eth:ethertype:ip:icmp:data",
    "eth:ethertype:ipv6:udp:data",
    "eth:ethertype:ipv6:icmpv6",
    "eth:ethertype:ip:icmp:data",
    "eth:ethertype:arp",
]


def test_tshark_reads_the_frames(tmp_path):
    """tshark decodes every frame as the expected protocols, with no malformed packet and no
    expert warning (bad checksums included: IPv4 and UDP checksum checks are switched on)."""
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark not installed (apt-get install tshark)")
    path = tmp_path / "frames.pcap"
    write_pcap(path, _frames())
    result = subprocess.run(
        [
            tshark,
            "-r",
            str(path),
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
            "-T",
            "fields",
            "-e",
            "frame.protocols",
            "-e",
            "_ws.expert.message",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [row[0] for row in rows] == EXPECTED_PROTOCOLS
    assert [row[1] for row in rows] == [""] * len(EXPECTED_PROTOCOLS)
    assert "malformed" not in result.stdout.lower()
