"""Save frames as a classic pcap file, and read one back, so Wireshark can show vethlab's traffic.

``write_pcap(path, frames)`` stamps frame i with ``start_time + i * step`` seconds, rounded
to the microsecond (the resolution of a classic pcap), so a file written twice is the same
file, and ``read_pcap`` gives back exactly the timestamps ``timestamps()`` promises. The link
type is Ethernet (DLT_EN10MB); frames are stored whole, without an FCS, as vethlab builds them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import BinaryIO

import dpkt

__all__ = ["SNAPLEN", "read_pcap", "timestamps", "write_pcap"]

# The file header's snapshot length, the longest frame a capture may hold. dpkt's Writer
# defaults to 1500, shorter than a full 1514-byte frame, let alone a jumbo frame.
SNAPLEN = 65535

_MAX_SECONDS = 2**32 - 1  # a classic pcap stores unsigned 32-bit seconds


def timestamps(count: int, start_time: float = 0.0, step: float = 0.001) -> list[float]:
    """The timestamps ``write_pcap`` gives ``count`` frames: whole microseconds, as floats.

    Each is built as ``seconds + microseconds / 1e6``, the float dpkt's Reader returns for
    that record, so written and read timestamps compare equal.
    """
    if start_time < 0 or step < 0:
        raise ValueError(
            f"start_time={start_time!r}, step={step!r}: both must be >= 0 (pcap time is unsigned)"
        )
    last = start_time + (count - 1) * step
    if count > 0 and last > _MAX_SECONDS:
        raise ValueError(f"the last timestamp {last!r} s is beyond a pcap's {_MAX_SECONDS} s")
    times = []
    for i in range(count):
        seconds, micros = divmod(round((start_time + i * step) * 1_000_000), 1_000_000)
        times.append(seconds + micros / 1e6)
    return times


def write_pcap(
    path_or_file: str | os.PathLike | BinaryIO,
    frames: Iterable[bytes],
    start_time: float = 0.0,
    step: float = 0.001,
) -> int:
    """Write ``frames`` as an Ethernet pcap; return how many were written.

    A path is created (or replaced); an open binary file is written to and left open.
    """
    frames = [bytes(frame) for frame in frames]
    for index, frame in enumerate(frames):
        if len(frame) > SNAPLEN:
            raise ValueError(
                f"frame {index} is {len(frame)} bytes, longer than the snapshot length {SNAPLEN}"
            )
    times = timestamps(len(frames), start_time, step)
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "wb") as file:
            _write(file, frames, times)
    else:
        # dpkt's Writer.close() would close the caller's file: write through it, do not close it.
        _write(path_or_file, frames, times)
    return len(frames)


def _write(file: BinaryIO, frames: list[bytes], times: list[float]) -> None:
    writer = dpkt.pcap.Writer(file, snaplen=SNAPLEN, linktype=dpkt.pcap.DLT_EN10MB)
    for ts, frame in zip(times, frames):
        writer.writepkt(frame, ts=ts)


def read_pcap(path_or_file: str | os.PathLike | BinaryIO) -> list[tuple[float, bytes]]:
    """Every record of an Ethernet pcap as ``(timestamp, frame bytes)``, in file order."""
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "rb") as file:
            return _read(file)
    return _read(path_or_file)


def _read(file: BinaryIO) -> list[tuple[float, bytes]]:
    reader = dpkt.pcap.Reader(file)
    if reader.datalink() != dpkt.pcap.DLT_EN10MB:
        raise ValueError(f"link type {reader.datalink()} is not Ethernet ({dpkt.pcap.DLT_EN10MB})")
    return [(ts, bytes(frame)) for ts, frame in reader]
