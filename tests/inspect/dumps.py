"""Dumps of pools, built byte by byte for the inspect tests, with frames made by dpkt alone.

No vethlab frame or pool code is used here: the frames come from dpkt, the layout from the
arithmetic below (buffers ``stride`` apart inside segments of ``segment`` bytes, each segment's
unused tail left over), so a test checks vethlab.inspect against an independent truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import dpkt
import numpy as np

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
IP4_A, IP4_B = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
IP6_A = bytes.fromhex("20010db8000000000000000000000001")
IP6_B = bytes.fromhex("20010db8000000000000000000000002")


def frame(kind: str, size: int, rng: random.Random) -> bytes:
    """A frame of ``kind`` whose payload makes it about ``size`` bytes (at least its headers)."""
    eth = dpkt.ethernet.Ethernet(src=MAC_A, dst=MAC_B)
    if kind == "arp":
        arp = dpkt.arp.ARP(
            sha=MAC_A, spa=IP4_A, tha=b"\x00" * 6, tpa=IP4_B, op=dpkt.arp.ARP_OP_REQUEST
        )
        eth.type, eth.data = dpkt.ethernet.ETH_TYPE_ARP, arp
        return bytes(eth)
    body = bytes(rng.randrange(256) for _ in range(max(0, size - 14 - 48)))
    if kind == "udp4":
        udp = dpkt.udp.UDP(sport=50000, dport=9, data=body)
        udp.ulen = len(udp)
        ip = dpkt.ip.IP(src=IP4_A, dst=IP4_B, p=dpkt.ip.IP_PROTO_UDP, ttl=64, data=udp)
        ip.len = len(ip)
        eth.type, eth.data = dpkt.ethernet.ETH_TYPE_IP, ip
    elif kind == "icmp4":
        icmp = dpkt.icmp.ICMP(type=8, code=0, data=dpkt.icmp.ICMP.Echo(id=1, seq=2, data=body))
        ip = dpkt.ip.IP(src=IP4_A, dst=IP4_B, p=dpkt.ip.IP_PROTO_ICMP, ttl=64, data=icmp)
        ip.len = len(ip)
        eth.type, eth.data = dpkt.ethernet.ETH_TYPE_IP, ip
    elif kind == "udp6":
        udp = dpkt.udp.UDP(sport=50000, dport=9, data=body)
        udp.ulen = len(udp)
        ip6 = dpkt.ip6.IP6(src=IP6_A, dst=IP6_B, nxt=dpkt.ip.IP_PROTO_UDP, hlim=64, data=udp)
        ip6.plen = len(udp)
        eth.type, eth.data = dpkt.ethernet.ETH_TYPE_IP6, ip6
    elif kind == "icmp6":
        icmp = dpkt.icmp6.ICMP6(
            type=128, code=0, data=dpkt.icmp6.ICMP6.Echo(id=1, seq=2, data=body)
        )
        ip6 = dpkt.ip6.IP6(src=IP6_A, dst=IP6_B, nxt=dpkt.ip.IP_PROTO_ICMP6, hlim=64, data=icmp)
        ip6.plen = len(bytes(icmp))
        eth.type, eth.data = dpkt.ethernet.ETH_TYPE_IP6, ip6
    else:
        raise ValueError(kind)
    return bytes(eth)


KINDS = ("arp", "udp4", "icmp4", "udp6", "icmp6")


@dataclass
class Pool:
    """A pool's geometry and what was written where: the truth a test compares with."""

    stride: int
    segment: int
    buffers: int
    before: int = 0  # bytes of other memory before the pool in the dump
    skip: int = 0  # bytes of the pool's start cut off the dump
    current: dict = field(default_factory=dict)  # buffer -> (dump offset, data offset, length)
    untouched: set = field(default_factory=set)  # buffers whose earlier frame was never overwritten

    @property
    def per_segment(self) -> int:
        return max(1, self.segment // self.stride)

    def buffer_start(self, i: int) -> int:
        """Pool offset of buffer ``i``."""
        return (i // self.per_segment) * self.segment + (i % self.per_segment) * self.stride

    @property
    def length(self) -> int:
        segments = -(-self.buffers // self.per_segment)
        return segments * self.segment

    def dump_offset(self, pool_offset: int) -> int:
        return self.before + pool_offset - self.skip


def build(
    stride: int,
    segment: int,
    buffers: int,
    *,
    headroom: int = 8,
    native: float = 0.0,
    stale: bool = True,
    fill: float = 1.0,
    before: int = 0,
    skip: int = 0,
    seed: int = 0,
    kinds=KINDS,
    max_len: int = 1514,
    frames=None,
) -> tuple[np.ndarray, Pool]:
    """A dump of a pool of ``buffers`` buffers; ``fill`` of them hold a current frame (the rest
    stay empty), a fraction ``native`` of those start at headroom + 2; with ``stale`` every
    buffer first holds a longer earlier frame at the headroom, overwritten by the current one.
    ``before`` bytes of zeros precede the pool; ``skip`` bytes of it are cut off the front.
    ``frames``: take the frames from this list (in turn; the earlier ones from its longest)
    instead of making them."""
    rng = random.Random(seed)
    pool = Pool(stride, segment, buffers, before, skip)
    mem = np.zeros(pool.length, np.uint8)
    used = [i for i in range(buffers) if rng.random() < fill]
    for i in range(buffers):
        base = pool.buffer_start(i)
        room = min(max_len, stride - headroom - 2)
        if stale:
            if frames is not None:
                old = rng.choice([f for f in frames if len(f) <= room and len(f) >= 500])
            else:
                old = frame(rng.choice(kinds[1:]), rng.randint(room // 2, room), rng)
            mem[base + headroom : base + headroom + len(old)] = np.frombuffer(old, np.uint8)
        if i not in used:
            if stale and base + headroom - skip >= 0:  # the earlier frame is all there is
                pool.current[i] = (pool.dump_offset(base + headroom), headroom, len(old))
                pool.untouched.add(i)
            continue
        do = headroom + (2 if rng.random() < native else 0)
        if frames is not None:
            new = frames[i % len(frames)]
            if len(new) > room or (stale and len(new) >= len(old)):
                new = frames[0]
        else:
            new = frame(rng.choice(kinds), rng.randint(60, room // 3), rng)
        mem[base + do : base + do + len(new)] = np.frombuffer(new, np.uint8)
        if base + do - skip >= 0:
            pool.current[i] = (pool.dump_offset(base + do), do, len(new))
    dump = np.concatenate([np.zeros(before, np.uint8), mem[skip:]])
    return dump, pool
