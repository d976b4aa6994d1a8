"""A real Linux kernel on the host side: the simulated interface attached to a TAP device.

On Linux, ``/dev/net/tun`` makes a TAP device: an Ethernet interface whose "wire" is a file
descriptor. vethlab puts one in a network namespace of its own, gives it the HOST address
(192.0.2.1/24, a documentation range, inside that namespace only) and attaches it to the
simulated dext in place of the simulated host stack::

    Linux kernel (namespace)      TapHost (this module)             the simulated Mac
    socket.sendto(192.0.2.2) ->   read(tap fd) -> send(): a packet  -> TX submission -> dext
                                  in the pool, on TX submission        -> GetPacket -> Responder
    ARP cache, socket        <-   write(tap fd) <- deliver() <--------- RX completion <- PutPacket

So a real kernel resolves the app's address with ARP, learns its MAC from the responder's reply
(``ip neigh`` shows it), and pings it; every frame crosses the dext's four queues.

Everything needs root, ``/dev/net/tun`` and ``ip`` (iproute2). :func:`tap_available` says
whether they are there and, if not, why. A :class:`TapDevice` creates its own namespace and
deletes it when closed; only addresses inside that namespace are used. IPv6 is turned off on
the TAP so that the kernel's own chatter (router solicitations, MLD) stays out of the way.

Provenance: the TUN/TAP interface is Linux's (``linux/if_tun.h``); the kernel is real. What
stands in for macOS is modelled: a Linux kernel plays the Mac's network stack.
"""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
import select
import shutil
import struct
import subprocess
import sys

from vethlab.networkingdriverkit.packet import IOUserNetworkPacket
from vethlab.wire.frames import HOST, Endpoint
from vethlab.wire.host import HostStack

__all__ = [
    "tap_available",
    "TapDevice",
    "TapHost",
    "PREFIX_LEN",
]

TUN_PATH = "/dev/net/tun"
TUNSETIFF = 0x400454CA  # _IOW('T', 202, int), linux/if_tun.h
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000  # no 4-byte packet-information header: the fd carries bare Ethernet frames
PREFIX_LEN = 24
_MAX_FRAME = 65535
_counter = itertools.count()


def tap_available() -> tuple[bool, str]:
    """Whether a TAP device in a network namespace can be made here, and why not."""
    if not sys.platform.startswith("linux"):
        return False, f"TAP devices need Linux (this is {sys.platform})"
    if os.geteuid() != 0:
        return False, "making a TAP device and a network namespace needs root"
    if not os.path.exists(TUN_PATH):
        return False, f"{TUN_PATH} does not exist (no TUN/TAP support in this kernel or container)"
    if shutil.which("ip") is None:
        return False, "the ip command (iproute2) is not installed"
    try:
        fd = os.open(TUN_PATH, os.O_RDWR)
    except OSError as err:
        return False, f"cannot open {TUN_PATH}: {err.strerror}"
    os.close(fd)
    return True, "root, /dev/net/tun and ip are available"


def _ip(*args: str) -> str:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise OSError(f"ip {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


class TapDevice:
    """A TAP interface in a network namespace of its own, read and written through its fd.

    ``with TapDevice() as tap:`` creates the namespace ``tap.namespace`` and the device
    ``tap.name`` in it, with ``host``'s MAC and IPv4 address; leaving deletes both.
    """

    def __init__(self, host: Endpoint = HOST, *, prefix_len: int = PREFIX_LEN) -> None:
        n = next(_counter)
        self.host = host
        self.prefix_len = prefix_len
        self.namespace = f"vethlab-{os.getpid()}-{n}"
        self.name = f"vlab{os.getpid() % 100000}x{n}"[:15]
        self.fd: int | None = None
        self.frames_read = 0
        self.frames_written = 0

    def open(self) -> TapDevice:
        ok, why = tap_available()
        if not ok:
            raise OSError(errno.ENODEV, why)
        fd = os.open(TUN_PATH, os.O_RDWR | os.O_NONBLOCK)
        try:
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", self.name.encode(), IFF_TAP | IFF_NO_PI))
            _ip("netns", "add", self.namespace)
        except OSError:
            os.close(fd)
            raise
        self.fd = fd
        try:
            _ip("link", "set", "dev", self.name, "netns", self.namespace)
            ns = ("-n", self.namespace)
            _ip(*ns, "link", "set", "dev", self.name, "address", self.host.mac_text)
            self.run(["sysctl", "-qw", f"net.ipv6.conf.{self.name}.disable_ipv6=1"], check=True)
            _ip(*ns, "addr", "add", f"{self.host.ipv4_text}/{self.prefix_len}", "dev", self.name)
            _ip(*ns, "link", "set", "dev", self.name, "up")
        except Exception:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Close the fd (the device goes with it) and delete the namespace."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        subprocess.run(["ip", "netns", "del", self.namespace], capture_output=True)

    def __enter__(self) -> TapDevice:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, timeout: float = 0.0) -> bytes | None:
        """The next frame the kernel sent, or None if none came within ``timeout`` seconds."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        try:
            frame = os.read(self.fd, _MAX_FRAME)
        except BlockingIOError:
            return None
        self.frames_read += 1
        return frame

    def write(self, frame: bytes) -> None:
        """Hand ``frame`` to the kernel, as if it arrived on the wire."""
        os.write(self.fd, frame)
        self.frames_written += 1

    def run(self, argv: list[str], *, check: bool = False, **kwargs) -> subprocess.CompletedProcess:
        """Run ``argv`` inside the namespace and wait for it."""
        return subprocess.run(
            ["ip", "netns", "exec", self.namespace, *argv],
            capture_output=True,
            text=True,
            check=check,
            **kwargs,
        )

    def popen(self, argv: list[str], **kwargs) -> subprocess.Popen:
        """Start ``argv`` inside the namespace."""
        return subprocess.Popen(
            ["ip", "netns", "exec", self.namespace, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )

    def neighbor(self, address: str) -> str:
        """The kernel's neighbour entry for ``address`` (``ip neigh show``), "" if none."""
        return _ip("-n", self.namespace, "neigh", "show", address, "dev", self.name).strip()


class TapHost(HostStack):
    """The host side when a real kernel is on it: frames the kernel sent (read from the TAP)
    go onto TX submission; frames from RX completion are written to the TAP for the kernel.
    Frames are checked (``received[i].problems``) but the kernel decides what to do with them."""

    tap: TapDevice | None = None

    def on_receive(self, frame: bytes, packet: IOUserNetworkPacket) -> None:
        super().on_receive(frame, packet)
        if self.tap is not None:
            self.tap.write(frame)
