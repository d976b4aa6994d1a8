"""The ping link with a real Linux kernel on the host side, behind a TAP device.

``with TapLink() as link: link.kernel_udp(b"hi")``: the kernel sends, frames are pumped through
the dext and the app until the kernel program ends. Needs root, ``/dev/net/tun`` and ``ip``;
everything runs in a network namespace that :class:`~vethlab.wire.tap.TapDevice` creates and
deletes.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from vethlab.ping.link import VirtualLink
from vethlab.wire.frames import APP, HOST, Endpoint
from vethlab.wire.tap import TapDevice, TapHost

__all__ = ["KernelRun", "TapLink"]


@dataclass
class KernelRun:
    """What a program run in the namespace printed (its last line, as JSON) and its status."""

    returncode: int
    result: dict
    stderr: str


class TapLink:
    """A :class:`~vethlab.ping.link.VirtualLink` whose host side is a real kernel behind a TAP.

    ``with TapLink() as link: link.kernel_udp(b"hi")``: the kernel sends, frames are pumped
    through the dext and the app until the kernel program ends.
    """

    def __init__(self, *, me: Endpoint = APP, host: Endpoint = HOST, **link_options) -> None:
        self.me = me
        self.tap = TapDevice(host)
        self.link = VirtualLink(host_class=TapHost, me=me, **link_options)
        self.link.host.tap = self.tap
        self.from_kernel: list[bytes] = []  # every frame read from the TAP, in order

    def __enter__(self) -> TapLink:
        self.tap.open()
        return self

    def __exit__(self, *exc) -> None:
        self.tap.close()

    @property
    def host(self) -> TapHost:
        return self.link.host

    def pump(self, timeout: float = 0.02) -> int:
        """Move every frame the kernel sent into the interface and let the link settle;
        return how many frames were read."""
        n = 0
        while True:
            frame = self.tap.read(timeout if n == 0 else 0.0)
            if frame is None:
                break
            self.from_kernel.append(frame)
            self.host.send(frame)
            n += 1
        self.link.settle()
        return n

    def run_in_kernel(self, program: str, *args: str, deadline: float = 20.0) -> KernelRun:
        """Run ``python -c program args...`` in the namespace, pumping frames meanwhile, then
        a little longer for stragglers. The program prints one JSON line last."""
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(
                [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")]
            ),
        )
        proc = self.tap.popen([sys.executable, "-c", program, *args], env=env)
        end = time.monotonic() + deadline
        while proc.poll() is None and time.monotonic() < end:
            self.pump()
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate()
        for _ in range(5):
            self.pump(0.01)
        lines = [line for line in out.splitlines() if line.strip()]
        result = json.loads(lines[-1]) if lines else {}
        return KernelRun(proc.returncode, result, err)

    def kernel_udp(self, payload: bytes, port: int = 9) -> KernelRun:
        """The kernel sends one UDP datagram to the app (resolving its MAC with ARP first)."""
        return self.run_in_kernel(_UDP_PROGRAM, self.me.ipv4_text, str(port), payload.hex())

    def kernel_ping(
        self, count: int, ident: int = 0x7668, interval: float = 0.0, timeout: float = 2.0
    ) -> KernelRun:
        """The kernel pings the app ``count`` times (raw ICMP socket); result: sent, received."""
        return self.run_in_kernel(
            _PING_PROGRAM,
            self.me.ipv4_text,
            str(count),
            str(ident),
            str(interval),
            str(timeout),
            deadline=10.0 + count * (interval + 0.2),
        )

    def neighbor(self) -> str:
        """What the kernel's ARP cache says about the app's address."""
        return self.tap.neighbor(self.me.ipv4_text)


# Programs the kernel runs in the namespace (each prints a JSON line). They build frames with
# dpkt like the rest of vethlab; the kernel adds the IP and Ethernet headers itself.
_UDP_PROGRAM = """
import json, socket, sys
address, port, payload = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(payload, (address, port))
print(json.dumps({"sent": 1}))
"""

_PING_PROGRAM = """
import json, select, socket, sys, time
import dpkt
address, count, ident = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
interval, timeout = float(sys.argv[4]), float(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
sent = received = 0
for seq in range(1, count + 1):
    echo = dpkt.icmp.ICMP.Echo(id=ident, seq=seq, data=bytes(range(56)))
    s.sendto(bytes(dpkt.icmp.ICMP(type=dpkt.icmp.ICMP_ECHO, data=echo)), (address, 0))
    sent += 1
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not select.select([s], [], [], max(0.0, end - time.monotonic()))[0]:
            break
        ip = dpkt.ip.IP(s.recv(65535))
        icmp = ip.data
        if (isinstance(icmp, dpkt.icmp.ICMP) and icmp.type == dpkt.icmp.ICMP_ECHOREPLY
                and isinstance(icmp.data, dpkt.icmp.ICMP.Echo)
                and (icmp.data.id, icmp.data.seq) == (ident, seq)):
            received += 1
            break
    time.sleep(interval)
print(json.dumps({"sent": sent, "received": received}))
"""
