"""Tests for vethlab.wire.tap: a real Linux kernel behind a TAP device, in a network namespace the
test creates and deletes, talking to the app through the simulated dext.

Needs root, /dev/net/tun and ip (iproute2); skips with the reason otherwise (CI turns that skip
into a failure). Only addresses inside the test's own namespace are used (192.0.2.0/24)."""

import json
import subprocess

import pytest

from vethlab.cli import main
from vethlab.ping.tap_link import TapLink
from vethlab.wire import frames
from vethlab.wire.tap import TapDevice, tap_available

AVAILABLE, WHY = tap_available()
needs_tap = pytest.mark.skipif(not AVAILABLE, reason=WHY)
pytestmark = pytest.mark.tap


def namespaces() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_tap_available_gives_a_reason():
    """tap_available answers yes or no with a sentence saying why."""
    ok, why = tap_available()
    assert isinstance(ok, bool) and why


@needs_tap
def test_the_kernels_frames_reach_the_app_byte_identical_and_it_learns_the_apps_mac():
    """The kernel sends a UDP datagram to the app: its ARP request and then the datagram reach
    the app exactly as the kernel wrote them; the responder's ARP reply teaches the kernel the
    app's MAC; the namespace is gone afterwards."""
    with TapLink() as link:
        namespace = link.tap.namespace
        assert namespace in namespaces()
        run = link.kernel_udp(b"hello from the kernel")
        assert run.returncode == 0, run.stderr
        assert link.from_kernel == link.link.responder.received
        kinds = [frames.describe(f) for f in link.from_kernel]
        assert kinds[0] == "ARP who-has 192.0.2.2 tell 192.0.2.1"
        assert kinds[-1].startswith("UDP 192.0.2.1:") and kinds[-1].endswith("→ 192.0.2.2:9 len=63")
        assert b"hello from the kernel" in link.from_kernel[-1]
        neighbour = link.neighbor()
        assert "lladdr 02:00:00:00:00:02" in neighbour, neighbour
        assert link.host.capture[1] == ("in", frames.arp_reply(link.from_kernel[0], frames.APP))
        link.link.shutdown()
        assert link.link.leaked() == []
    assert namespace not in namespaces()


@needs_tap
def test_the_kernel_pings_the_app_through_the_dext():
    """Ten pings from the kernel's own raw socket: ten replies, every frame accounted for."""
    with TapLink(packets=32, capacities=8) as link:
        run = link.kernel_ping(10)
        assert run.result == {"sent": 10, "received": 10}, run.stderr
        acc = link.link.accounting()
        assert acc["out"]["dropped"] == {} and acc["in"]["dropped"] == {}
        assert acc["out"]["offered"] == acc["out"]["delivered"] == len(link.from_kernel)
        assert all(r.problems == [] for r in link.host.received)


@needs_tap
def test_cli_ping_over_tap(capsys):
    """`vethlab ping --tap --count 3 --json`: the kernel's 3 pings all come back."""
    assert main(["ping", "--tap", "--count", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["mode"], out["sent"], out["received"], out["dropped"], out["packets_leaked"]) == (
        "tap",
        3,
        3,
        0,
        0,
    )


@needs_tap
def test_a_tap_device_cleans_up_even_when_its_body_fails():
    """Leaving the with block through an exception still deletes the namespace."""
    tap = TapDevice()
    with pytest.raises(RuntimeError), tap:
        assert tap.namespace in namespaces()
        raise RuntimeError("boom")
    assert tap.namespace not in namespaces() and tap.fd is None
