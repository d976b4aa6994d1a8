"""Tests for vethlab.ping: the report, the CLI, and Wireshark's dissector (tshark) reading
the pcap frame by frame."""

import json
import shutil
import subprocess

import dpkt
import pytest

from vethlab.cli import main
from vethlab.ping.run import PING_IDENT, run_ping
from vethlab.wire import frames
from vethlab.wire.pcap import read_pcap

# --- the report and the command ----------------------------------------------------------------


def test_run_ping_reports_every_echo_answered_and_nothing_lost():
    """Five pings: five sent, five received, no drop, no leak, no pcap unless asked."""
    report = run_ping(5)
    assert (
        report.mode,
        report.sent,
        report.received,
        report.dropped,
        report.packets_leaked,
        report.pcap,
        report.drops,
    ) == ("simulated", 5, 5, 0, 0, None, {})
    assert report.frames == 2 + 1 + 10  # ARP both ways, the UDP datagram, 5 echoes each way
    assert report.lines[1] == "192.0.2.2 is at 02:00:00:00:00:02"
    assert report.lines[-1].startswith("--- 5 echo requests sent, 5 replies received")


def test_ping_refuses_a_count_out_of_range():
    """count must fit the 16-bit ICMP sequence number."""
    with pytest.raises(ValueError, match="count"):
        run_ping(70000)


def test_cli_ping_100_json(capsys):
    """`vethlab ping --count 100 --json`: 100 sent, 100 received, nothing leaked."""
    assert main(["ping", "--count", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("sent", "received", "dropped", "packets_leaked", "pcap")} == {
        "sent": 100,
        "received": 100,
        "dropped": 0,
        "packets_leaked": 0,
        "pcap": None,
    }


@pytest.mark.parametrize("design", ["batch", "shared_mapping"])
def test_cli_ping_in_the_other_designs(capsys, design):
    """The app's design changes how frames travel, not what arrives."""
    assert main(["ping", "-c", "10", "--design", design, "--flow", "native", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["sent"], out["received"], out["packets_leaked"]) == (10, 10, 0)


def test_a_pool_too_small_for_its_queues_shows_up_as_drops():
    """Eight packets stocked eight deep on RX leave none for TX: every frame is dropped, and
    the report says why."""
    report = run_ping(3, packets=8, capacity=8)
    assert report.received == 0
    assert report.drops == {"out: pool exhausted": 5}
    assert report.packets_leaked == 0


def test_the_pcap_holds_every_frame_that_crossed(tmp_path):
    """The pcap has the ARP pair, the UDP datagram and each echo request and its reply, in
    order, each valid."""
    path = tmp_path / "ping.pcap"
    report = run_ping(3, pcap=str(path))
    got = [frame for _, frame in read_pcap(path)]
    assert len(got) == report.frames == 9
    kinds = [frames.describe(f).split(" ")[0:3] for f in got]
    assert kinds[:3] == [
        ["ARP", "who-has", "192.0.2.2"],
        ["ARP", "192.0.2.2", "is-at"],
        ["UDP", "192.0.2.1:49152", "→"],
    ]
    assert all(frames.validate(f) == [] for f in got)
    for request, reply in zip(got[3::2], got[4::2], strict=True):
        assert frames.is_reply_to(reply, request)


# --- Wireshark's opinion ---------------------------------------------------------------------------

TSHARK_FIELDS = [
    "frame.number",
    "frame.len",
    "frame.protocols",
    "eth.src",
    "eth.dst",
    "arp.opcode",
    "icmp.type",
    "icmp.ident",
    "icmp.seq",
    "icmp.checksum.status",
    "icmp.resp_in",
    "icmp.resp_to",
    "ip.checksum.status",
    "udp.srcport",
    "udp.dstport",
    "udp.checksum.status",
    "_ws.malformed",
    "_ws.expert.severity",
]


def tshark(path):
    """tshark's two-pass dissection of ``path`` (so requests know their replies), one dict per
    frame, with checksum checks turned on."""
    if shutil.which("tshark") is None:
        pytest.skip("tshark not installed")
    cmd = [
        "tshark",
        "-2",
        "-r",
        str(path),
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=f",
    ]
    for name in TSHARK_FIELDS:
        cmd += ["-e", name]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    rows = [line.split("|") for line in done.stdout.splitlines()]
    return [dict(zip(TSHARK_FIELDS, row, strict=True)) for row in rows]


@pytest.mark.parametrize("flow", ["bsd", "native"])
def test_tshark_agrees_with_every_frame(tmp_path, flow):
    """Wireshark's dissector reads every frame as vethlab built it: ARP request and reply,
    the UDP datagram, each echo request answered by the reply with the same id and sequence,
    every checksum good, nothing malformed."""
    path = tmp_path / "ping.pcap"
    count = 20
    report = run_ping(count, pcap=str(path), flow=flow)
    ours = [frame for _, frame in read_pcap(path)]
    rows = tshark(path)
    assert len(rows) == len(ours) == report.frames == 3 + 2 * count
    for row, frame in zip(rows, ours, strict=True):
        eth = dpkt.ethernet.Ethernet(frame)
        assert int(row["frame.len"]) == len(frame)
        assert (row["eth.src"], row["eth.dst"]) == (
            frames.format_mac(eth.src),
            frames.format_mac(eth.dst),
        )
        assert row["_ws.malformed"] == "" and row["_ws.expert.severity"] == ""
        for status in ("icmp.checksum.status", "ip.checksum.status", "udp.checksum.status"):
            assert row[status] in ("", "1"), f"frame {row['frame.number']}: {status} {row[status]}"
    assert rows[0]["frame.protocols"] == "eth:ethertype:arp" and rows[0]["arp.opcode"] == "1"
    assert rows[1]["frame.protocols"] == "eth:ethertype:arp" and rows[1]["arp.opcode"] == "2"
    assert rows[2]["frame.protocols"] == "eth:ethertype:ip:udp:data"
    assert (rows[2]["udp.dstport"], rows[2]["udp.checksum.status"]) == ("9", "1")
    requests, replies = rows[3::2], rows[4::2]
    for seq, (request, reply) in enumerate(zip(requests, replies, strict=True), start=1):
        assert (request["icmp.type"], reply["icmp.type"]) == ("8", "0")
        assert request["icmp.ident"] == reply["icmp.ident"] == str(PING_IDENT)
        assert request["icmp.seq"] == reply["icmp.seq"] == str(seq)
        assert request["icmp.resp_in"] == reply["frame.number"]
        assert reply["icmp.resp_to"] == request["frame.number"]
        assert request["icmp.checksum.status"] == reply["icmp.checksum.status"] == "1"
        assert request["ip.checksum.status"] == reply["ip.checksum.status"] == "1"


def test_cli_ping_that_loses_replies_prints_its_report_and_exits_1(capsys):
    """Like ping(8): a pool of one packet runs dry, replies are lost, and the run fails with
    the report still printed (the JSON says how many were lost, and why)."""
    assert main(["ping", "-c", "3", "--packets", "1", "--json"]) == 1
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert (out["sent"], out["received"]) == (3, 0)
    assert out["drops"] == {"out: pool exhausted": out["dropped"]}
    assert captured.err == ""
