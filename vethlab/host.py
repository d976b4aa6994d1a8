"""The host network stack: the other side of the interface, writing and reading frames.

It runs in the kernel and touches pool memory through the kernel's own mapping, never the
dext's, the way XNU's stack does. It records every frame it writes (which packet, where, how
long), so pictures can say, for any byte of the pool, whose frame it belongs to, and whether
that frame is current or a stale leftover of a recycled buffer.

Data offsets (observed): BSD-socket packets start right at the headroom; native Skywalk flows
(Network.framework) reserve 16 bytes for a 14-byte Ethernet header, so their frames start 2 bytes
past the headroom (data offset 2 when the interface's headroom is 0). Code that adds the headroom
where the data offset belongs is right by accident for the first and 2 bytes early for the second.
vethlab's host stack takes the data offset as a parameter; :func:`native_flow_data_offset` gives it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .packet import IOUserNetworkPacket, PacketState, kIOUserNetworkPacketDirectionTx
from .pool import IOUserNetworkPacketBufferPool

__all__ = [
    "HostStack",
    "FrameWrite",
    "NATIVE_FLOW_DATA_OFFSET",
    "BSD_SOCKET_DATA_OFFSET",
    "native_flow_data_offset",
]

BSD_SOCKET_DATA_OFFSET = 0  #: bytes past the headroom where a BSD-socket frame starts
NATIVE_FLOW_DATA_OFFSET = 2  #: bytes past the headroom where a native-flow frame starts


def native_flow_data_offset(headroom: int) -> int:
    """The data offset of a native-flow TX packet under ``headroom``: headroom + 2 (observed)."""
    return headroom + NATIVE_FLOW_DATA_OFFSET


@dataclass(frozen=True)
class FrameWrite:
    """One frame the host stack wrote into pool memory."""

    serial: int  # the order of writes, starting at 0
    packet: int  # packet (= buffer) index
    offset: int  # pool offset of the first frame byte
    length: int
    frame: bytes

    @property
    def end(self) -> int:
        return self.offset + self.length


class HostStack:
    """The simulated macOS network stack attached to one pool."""

    def __init__(self, pool: IOUserNetworkPacketBufferPool) -> None:
        self.pool = pool
        self.kernel = pool.mac.kernel
        self.writes: list[FrameWrite] = []
        self._current: dict[int, FrameWrite] = {}  # packet index -> its frame now

    def transmit(self, frame: bytes, *, headroom: int | None = None,
                 data_offset: int | None = None) -> IOUserNetworkPacket:
        """Put ``frame`` in a fresh packet for the driver to send (the TX direction).

        ``headroom`` defaults to the pool's; ``data_offset`` defaults to the headroom (a
        fresh packet's data offset); pass 2 for a native-flow packet.
        """
        packet = self.pool.allocatePacket()
        try:
            if headroom is not None:
                packet.SetHeadroom(headroom)
            if data_offset is not None:
                packet.setDataOffset(data_offset)
            packet.setDataLength(len(frame))
            self.store(packet, frame)
        except Exception:
            self.pool.DeallocatePacket(packet)
            raise
        packet.direction = kIOUserNetworkPacketDirectionTx
        packet.state = PacketState.DRIVER
        return packet

    def store(self, packet: IOUserNetworkPacket, frame: bytes) -> None:
        """Write ``frame`` at the packet's data offset, through the kernel's mapping."""
        offset = packet.frame_offset()
        self.kernel.write(self.pool.kernel_mapping.address_of(offset), frame)
        record = FrameWrite(len(self.writes), packet.index, offset, len(frame), bytes(frame))
        self.writes.append(record)
        self._current[packet.index] = record

    def current_frames(self) -> dict[int, FrameWrite]:
        """The frame each in-use packet holds now, by packet index."""
        return {i: w for i, w in self._current.items()
                if self.pool.packets[i].state is not PacketState.FREE}

    def origin(self, start: int, end: int) -> list[tuple[int, int, str, int | None]]:
        """Who owns each byte of pool range ``[start, end)``: a list of
        ``(start, end, kind, packet)`` runs, kind one of "frame" (a frame an in-use packet
        holds now), "stale" (bytes of an earlier frame whose buffer was recycled or
        overwritten) and "zero" (never written since the pool was created)."""
        owner: list[tuple[int, str, int | None]] = [(-1, "zero", None)] * (end - start)
        current = self.current_frames()
        live = {w.serial for w in current.values()}
        for w in self.writes:  # later writes overwrite earlier ones, as in memory
            lo, hi = max(w.offset, start), min(w.end, end)
            for pos in range(lo, hi):
                owner[pos - start] = (w.serial, "frame" if w.serial in live else "stale", w.packet)
        runs: list[tuple[int, int, str, int | None]] = []
        for i, (serial, kind, pkt) in enumerate(owner):
            if runs and runs[-1][2] == kind and runs[-1][3] == pkt and runs[-1][1] == start + i:
                runs[-1] = (runs[-1][0], start + i + 1, kind, pkt)
            else:
                runs.append((start + i, start + i + 1, kind, pkt))
        return runs
