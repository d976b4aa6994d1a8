r"""Finding Ethernet frames in raw bytes by their own structure, without being told where they are.

A frame is recognised from its EtherType (bytes 12–13) and the header that must follow it:

=============  ==========================================================================
``0x0800``     IPv4: version 4, IHL ≥ 5, total length ≥ the header and inside the dump, the
               reserved flag clear, TTL > 0, and the header checksum holds. A header whose
               checksum field is zero and does not hold was left to the hardware
               (``kIOUserNetworkHWAssistTxChecksumIPHdr``): accepted, marked ``hw_checksum``,
               and the layout's confidence drops with the share of such frames.
``0x86DD``     IPv6: version 6, hop limit > 0, and the payload length agrees with the next
               header (UDP's own length field; an ICMPv6 type that exists; TCP's data offset;
               an extension header's length)
``0x0806``     ARP for IPv4 over Ethernet: htype 1, ptype 0x0800, hlen 6, plen 4, op 1 or 2
=============  ==========================================================================

and, for all of them, a unicast source MAC. ``length`` is the length the headers declare
(Ethernet's padding to 60 bytes is not counted: a dump cannot tell it from zeros).

The scan is vectorised: numpy finds every byte pair that could be an EtherType in chunks of
the dump (two threads: comparisons release the GIL), then validates all candidates of a kind
at once by gathering their header bytes into arrays. Python loops run only over frames that
overlap another (rare: see :func:`resolve_overlaps`).

Overlaps tell stale frames from current ones. In a pool a buffer holds one frame at its data
offset; a frame found inside another frame's declared extent is either payload (it lies wholly
inside a frame whose transport checksum holds) or one of the two is a leftover:

* the earlier frame's checksum holds over all its bytes → the later one was overwritten at its
  start by it: the later one is **stale**;
* otherwise the earlier frame's declared length runs into the later frame's start: the earlier
  one is **stale** (a later write took its tail).

A stale frame whose bytes were never touched again (its buffer freed and not reused) cannot be
told from a current one: a dump holds bytes, not the pool's bookkeeping.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

__all__ = [
    "FoundFrames",
    "find_frames",
    "candidate_positions",
    "transport_checksum_ok",
    "KINDS",
    "ETH_HEADER_LEN",
]

ETH_HEADER_LEN = 14
_CHUNK = 1 << 20  # bytes per chunk of the candidate pass: fits a core's cache
_THREADS = 2
_VALIDATE = 1 << 18  # candidates validated at once (their header bytes gathered into arrays)

#: Frame kinds, by code (``FoundFrames.kind``).
KINDS = (
    "arp",
    "ipv4",
    "ipv4/icmp",
    "ipv4/tcp",
    "ipv4/udp",
    "ipv6",
    "ipv6/icmpv6",
    "ipv6/tcp",
    "ipv6/udp",
)
_KIND = {name: i for i, name in enumerate(KINDS)}
_IPV4_PROTO = {1: _KIND["ipv4/icmp"], 6: _KIND["ipv4/tcp"], 17: _KIND["ipv4/udp"]}
_IPV6_NEXT = {58: _KIND["ipv6/icmpv6"], 6: _KIND["ipv6/tcp"], 17: _KIND["ipv6/udp"]}
# ICMPv6 types that exist (RFC 4443, 4861, 3810, 4286): errors 1–4, informational 128–143.
_ICMPV6_TYPES = np.zeros(256, bool)
_ICMPV6_TYPES[[1, 2, 3, 4]] = True
_ICMPV6_TYPES[128:144] = True
# IPv6 extension headers whose second byte is a length in 8-byte units, less one.
_IPV6_EXTENSIONS = (0, 43, 60)
_ARP_FIXED = np.array([0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00], np.int64)


@dataclass
class FoundFrames:
    """Every frame found, sorted by offset. Arrays of one length, one entry per frame.

    ``offset``: first byte of the frame in the dump; ``length``: what its headers declare;
    ``kind``: index into :data:`KINDS`; ``hw_checksum``: an IPv4 header checksum left unfilled;
    ``stale``: a leftover, partly overwritten or inconsistent with its length; ``why``: for a
    stale frame, the reason (``None`` otherwise). ``payload_hits``: frames found inside another
    frame's checked payload and dropped (they are data, not frames).
    """

    offset: np.ndarray
    length: np.ndarray
    kind: np.ndarray
    hw_checksum: np.ndarray
    stale: np.ndarray
    why: list
    payload_hits: int = 0
    candidates: int = 0

    def __len__(self) -> int:
        return len(self.offset)

    def kind_name(self, i: int) -> str:
        return KINDS[int(self.kind[i])]

    def take(self, keep: np.ndarray) -> FoundFrames:
        idx = np.flatnonzero(keep)
        return FoundFrames(
            self.offset[idx],
            self.length[idx],
            self.kind[idx],
            self.hw_checksum[idx],
            self.stale[idx],
            [self.why[i] for i in idx],
            self.payload_hits,
            self.candidates,
        )


def _chunk_candidates(d: np.ndarray, start: int, stop: int) -> np.ndarray:
    """EtherType positions p in [start, stop): d[p] is 0x08 or 0x86 and d[p+1] fits."""
    a = d[start:stop]
    hit = np.flatnonzero((a == 0x08) | (a == 0x86))
    hit += start
    hit = hit[hit + 1 < len(d)]
    first, second = d[hit], d[hit + 1]
    keep = np.where(first == 0x08, (second == 0x00) | (second == 0x06), second == 0xDD)
    return hit[keep]


def candidate_positions(d: np.ndarray, threads: int = _THREADS) -> np.ndarray:
    """Positions of every byte pair 08 00, 08 06 or 86 DD that leaves room for a frame header
    before it (12 bytes), found chunk by chunk."""
    n = len(d)
    bounds = [(s, min(s + _CHUNK, n)) for s in range(ETH_HEADER_LEN - 2, n, _CHUNK)]
    if not bounds:
        return np.zeros(0, np.int64)
    if threads > 1 and len(bounds) > 1:
        with ThreadPoolExecutor(min(threads, os.cpu_count() or 1)) as pool:
            parts = list(pool.map(lambda b: _chunk_candidates(d, *b), bounds))
    else:
        parts = [_chunk_candidates(d, *b) for b in bounds]
    return np.concatenate(parts).astype(np.int64, copy=False)


def _gather(d: np.ndarray, pos: np.ndarray, rel) -> np.ndarray:
    """Bytes at ``pos + rel`` as int64 (0 past the dump's end); ``rel`` a scalar or array."""
    idx = pos + rel
    inside = idx < len(d)
    out = d[np.where(inside, idx, 0)].astype(np.int64)
    out[~inside] = 0
    return out


def _word(d, pos, rel):
    return (_gather(d, pos, rel) << 8) | _gather(d, pos, rel + 1)


def _fold(s: np.ndarray) -> np.ndarray:
    for _ in range(3):
        s = (s & 0xFFFF) + (s >> 16)
    return s


def _ipv4(d: np.ndarray, p: np.ndarray):
    """Validate IPv4 candidates (p: EtherType positions). Returns (keep, length, kind, hw)."""
    n = len(d)
    ip = p + 2
    vihl = _gather(d, ip, 0)
    ihl = vihl & 0x0F
    total = _word(d, ip, 2)
    ok = ((vihl >> 4) == 4) & (ihl >= 5) & (total >= ihl * 4) & (ip + total <= n)
    ok &= (_gather(d, ip, 6) & 0x80) == 0  # reserved flag
    ok &= _gather(d, ip, 8) > 0  # TTL
    ip, ihl, total, ok_idx = ip[ok], ihl[ok], total[ok], np.flatnonzero(ok)
    # Header checksum over up to 15 words of 32 bits: gather 30 half-words, mask past the IHL.
    k = np.arange(30)
    idx = ip[:, None] + 2 * k[None, :]
    mask = k[None, :] < (2 * ihl)[:, None]
    idx = np.where(mask, idx, 0)
    words = (d[idx].astype(np.int64) << 8) | d[np.minimum(idx + 1, n - 1)].astype(np.int64)
    words[~mask] = 0
    folded = _fold(words.sum(axis=1))
    holds = folded == 0xFFFF
    unfilled = (words[:, 5] == 0) & ~holds
    good = holds | unfilled
    # UDP's own length must agree with the IP total length.
    proto = _gather(d, ip, 9)
    udp_len = _word(d, ip, ihl * 4 + 4)
    good &= (proto != 17) | ((udp_len == total - ihl * 4) & (total - ihl * 4 >= 8))
    keep = np.zeros(len(p), bool)
    keep[ok_idx[good]] = True
    length = np.zeros(len(p), np.int64)
    length[ok_idx] = ETH_HEADER_LEN + total
    kind = np.full(len(p), _KIND["ipv4"], np.int64)
    kinds = np.full(len(ok_idx), _KIND["ipv4"], np.int64)
    for number, code in _IPV4_PROTO.items():
        kinds[proto == number] = code
    kind[ok_idx] = kinds
    hw = np.zeros(len(p), bool)
    hw[ok_idx] = unfilled
    return keep, length, kind, hw


def _ipv6(d: np.ndarray, p: np.ndarray):
    """Validate IPv6 candidates. Returns (keep, length, kind)."""
    n = len(d)
    ip = p + 2
    payload = _word(d, ip, 4)
    nxt = _gather(d, ip, 6)
    ok = ((_gather(d, ip, 0) >> 4) == 6) & (_gather(d, ip, 7) > 0) & (ip + 40 + payload <= n)
    up = ip + 40
    agree = np.zeros(len(p), bool)
    udp = nxt == 17
    agree |= udp & (_word(d, up, 4) == payload) & (payload >= 8)
    icmp = nxt == 58
    agree |= icmp & (payload >= 8) & _ICMPV6_TYPES[_gather(d, up, 0)]
    tcp = nxt == 6
    tcp_header = (_gather(d, up, 12) >> 4) * 4
    agree |= tcp & (tcp_header >= 20) & (tcp_header <= payload)
    for ext in _IPV6_EXTENSIONS:
        agree |= (nxt == ext) & ((_gather(d, up, 1) + 1) * 8 <= payload)
    agree |= (nxt == 59) & (payload == 0)
    keep = ok & agree
    kind = np.full(len(p), _KIND["ipv6"], np.int64)
    for number, code in _IPV6_NEXT.items():
        kind[nxt == number] = code
    return keep, ETH_HEADER_LEN + 40 + payload, kind


def _arp(d: np.ndarray, p: np.ndarray):
    """Validate ARP candidates: the seven fixed bytes, then op 1 or 2."""
    keep = np.ones(len(p), bool)
    for i, value in enumerate(_ARP_FIXED):
        keep &= _gather(d, p, 2 + i) == value
    op = _gather(d, p, 9)
    keep &= (op == 1) | (op == 2)
    return keep, np.full(len(p), ETH_HEADER_LEN + 28, np.int64)


def _validate(d, p, offsets, lengths, kinds, hws) -> None:
    """Validate candidates ``p`` of every kind; append what holds to the four lists."""
    first, second = d[p], d[p + 1]
    sel = p[(first == 0x08) & (second == 0x00)]
    keep, length, kind, hw = _ipv4(d, sel)
    offsets.append(sel[keep]), lengths.append(length[keep]), kinds.append(kind[keep])
    hws.append(hw[keep])
    sel = p[(first == 0x86) & (second == 0xDD)]
    keep, length, kind = _ipv6(d, sel)
    offsets.append(sel[keep]), lengths.append(length[keep]), kinds.append(kind[keep])
    hws.append(np.zeros(int(keep.sum()), bool))
    sel = p[(first == 0x08) & (second == 0x06)]
    keep, length = _arp(d, sel)
    offsets.append(sel[keep]), lengths.append(length[keep])
    kinds.append(np.full(int(keep.sum()), _KIND["arp"], np.int64))
    hws.append(np.zeros(int(keep.sum()), bool))


def find_frames(dump, threads: int = _THREADS) -> FoundFrames:
    """Every Ethernet frame of ``dump`` (a uint8 array or bytes-like), current and stale."""
    d = np.frombuffer(dump, np.uint8) if not isinstance(dump, np.ndarray) else dump
    p = candidate_positions(d, threads)
    candidates = len(p)
    p = p[(_gather(d, p - 6, 0) & 1) == 0]  # the source MAC is unicast
    offsets, lengths, kinds, hws = [], [], [], []
    for start in range(0, len(p), _VALIDATE):  # bounded memory, however many candidates
        _validate(d, p[start : start + _VALIDATE], offsets, lengths, kinds, hws)
    if not offsets:
        none = np.zeros(0, np.int64)
        offsets, lengths, kinds, hws = [none], [none], [none], [np.zeros(0, bool)]
    offset = np.concatenate(offsets) - 12
    order = np.argsort(offset, kind="stable")
    found = FoundFrames(
        offset[order],
        np.concatenate(lengths)[order],
        np.concatenate(kinds)[order],
        np.concatenate(hws)[order],
        np.zeros(len(order), bool),
        [None] * len(order),
        0,
        candidates,
    )
    return resolve_overlaps(d, found)


# -- overlaps -----------------------------------------------------------------------------------


def _sum16(b: np.ndarray) -> int:
    if len(b) % 2:
        b = np.append(b, 0)
    w = b.astype(np.int64)
    return int((w[0::2] << 8).sum() + w[1::2].sum())


def transport_checksum_ok(d: np.ndarray, offset: int, length: int, kind: str) -> bool:
    """Whether the transport checksum of the frame at ``offset`` holds over all its bytes
    (False when it cannot be checked: ARP, a UDP/IPv4 checksum of 0, an unknown protocol)."""
    if kind == "arp" or offset + length > len(d):
        return False
    f = d[offset : offset + length]
    if kind.startswith("ipv4/"):
        ihl = (int(f[14]) & 0x0F) * 4
        seg = f[14 + ihl :]
        if kind == "ipv4/icmp":
            s = _sum16(seg)
        else:
            if kind == "ipv4/udp" and int(seg[6]) == 0 and int(seg[7]) == 0:
                return False
            proto = 17 if kind == "ipv4/udp" else 6
            s = _sum16(f[26:34]) + proto + len(seg) + _sum16(seg)
    elif kind.startswith("ipv6/"):
        seg = f[54:]
        nxt = int(f[20])
        s = _sum16(f[22:54]) + nxt + len(seg) + _sum16(seg)
    else:
        return False
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF


def resolve_overlaps(d: np.ndarray, found: FoundFrames) -> FoundFrames:
    """Drop frames found in another frame's checked payload; mark one of two overlapping frames
    stale (see the module docstring)."""
    off, end = found.offset, found.offset + found.length
    if len(off) < 2:
        return found
    running = np.maximum.accumulate(end)
    overlapping = np.flatnonzero(off[1:] < running[:-1]) + 1
    if not len(overlapping):
        return found
    drop = np.zeros(len(off), bool)
    checked: dict[int, bool] = {}

    def intact(i: int) -> bool:
        if i not in checked:
            checked[i] = transport_checksum_ok(
                d, int(off[i]), int(found.length[i]), found.kind_name(i)
            )
        return checked[i]

    # For each frame, the earlier frame reaching furthest (the one a later frame's start can
    # fall into): the last index that set the running maximum of the ends before it.
    index = np.arange(len(off))
    previous_max = np.concatenate([[-1], running[:-1]])
    reaching = np.maximum.accumulate(np.where(end >= previous_max, index, 0))
    for j in overlapping:
        i = int(reaching[j - 1])
        if drop[i]:
            continue
        if end[j] <= end[i] and intact(i):
            drop[j] = True
        elif intact(i):
            found.stale[j] = True
            found.why[j] = (
                f"its first {int(end[i] - off[j])} bytes belong to the frame "
                f"at {int(off[i]):#x}, whose checksum holds"
            )
        else:
            found.stale[i] = True
            found.why[i] = (
                f"its declared length ({int(found.length[i])}) runs into the "
                f"frame at {int(off[j]):#x}"
            )
    out = found.take(~drop)
    out.payload_hits = int(drop.sum())
    return out
