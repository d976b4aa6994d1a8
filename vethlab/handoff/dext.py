"""The dext's half of handing frames to its app, shared by every dext that has an app.

A dext that hands frames to an app through :class:`~vethlab.handoff.user_client.PacketUserClient`
mixes in :class:`FrameHandoff`. It keeps the packets no app has taken yet (``pending``, oldest
first), the stack slot GetPacket writes into, the open clients and a record of each GetPacket.
The dext itself says where a packet's frame is (``frame_address``, ``frame_pool_offset``) and
what becomes of a packet once the app has its frame (``recycle``): the question's dext frees it
to the pool, the ping dext completes it on TX completion.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from vethlab.driverkit.userclient import UserClientState
from vethlab.handoff.stack_slot import DEFAULT_GUARD, GetPacketRecord, OutputSlot
from vethlab.handoff.structs import batch_record_size, pack_batch_record
from vethlab.handoff.user_client import PacketUserClient
from vethlab.ioreturn import BadArgument, kIOReturnNotResponding, kIOReturnSuccess
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket

__all__ = ["FrameHandoff"]


class FrameHandoff:
    """Mixed into a dext (an ``IOService`` with ``task`` and ``pool``) that hands frames to
    apps. Call :meth:`start_handoff` from ``Start``; set ``get_packet`` ("question" or
    "safe"), ``guard`` and ``keep_records`` before."""

    USER_CLIENT_CLASS = PacketUserClient
    get_packet = "safe"
    guard = DEFAULT_GUARD
    keep_records = 0

    def start_handoff(self) -> None:
        #: packets the network stack handed over and no app has taken yet, oldest first
        self.pending: deque[IOUserNetworkPacket] = deque()
        self.slot = OutputSlot(self.task, self.guard)
        self.clients: list[PacketUserClient] = []
        self.records: deque[GetPacketRecord] = deque(maxlen=max(self.keep_records, 0))
        self.dropped = 0  # frames GetPacket refused (over 1600 bytes)
        self._serials: dict[int, int] = {}  # packet index -> serial of the frame it holds

    # -- what the dext says -----------------------------------------------------------------
    def frame_address(self, packet: IOUserNetworkPacket) -> int:
        """Where the dext reads ``packet``'s frame, in its own address space."""
        raise NotImplementedError

    def frame_pool_offset(self, packet: IOUserNetworkPacket) -> int:
        """Where ``packet``'s frame is, as an offset into the pool's memory (what the app adds
        to its own mapping of the pool)."""
        raise NotImplementedError

    def recycle(self, packet: IOUserNetworkPacket) -> None:
        """The app has ``packet``'s frame: give the packet back."""
        raise NotImplementedError

    def recycle_many(self, packets) -> None:
        for packet in list(packets):
            self.recycle(packet)

    # -- the provider side of the user client -------------------------------------------------
    def NewUserClient(self, type: int) -> PacketUserClient:
        """``NewUserClient(type, &client)``: type 0 only; the client is created and started."""
        if type != 0:
            raise BadArgument(f"user client type {type} is unknown; allowed: 0")
        client = self.USER_CLIENT_CLASS(self)
        client.Start(self)
        self.clients.append(client)
        return client

    def packets_available(self) -> None:
        """Tell the apps: a client that registered for frames gets them all, as pairs; else
        each client with a callback gets the pending count."""
        for client in self.clients:
            if client.frame_callback is not None and client.state is UserClientState.OPEN:
                client.notify()
                return
        for client in list(self.clients):
            client.notify()

    def getPacket(self) -> IOUserNetworkPacket:
        """``ivars->m_provider->getPacket()``: the oldest pending packet."""
        return self.pending.popleft()

    def serial_of(self, packet: IOUserNetworkPacket) -> int:
        """The host's serial of the frame ``packet`` holds (``HostStack.writes``), or -1."""
        return self._serials.get(packet.index, -1)

    def write_batch(self, out: np.ndarray, capacity: int) -> tuple[int, int]:
        """Copy pending frames into ``out`` as batch records until the next does not fit;
        recycle their packets. Returns ``(records, bytes used)``."""
        used = 0
        done = []
        try:
            while self.pending:
                packet = self.pending[0]
                length = packet.getDataLength()
                if used + batch_record_size(length) > capacity:
                    break
                frame = self.task.view(self.frame_address(packet), length, "read")
                used = pack_batch_record(out, used, frame)
                self.mac.costs.count_copy(length)  # the frame into its record
                done.append(self.pending.popleft())
        finally:
            self.recycle_many(done)
        return len(done), used

    def log(self, packet, variant, length, size_written, output, fault) -> None:
        """Keep a record of one GetPacket call (the newest ``keep_records``)."""
        if self.records.maxlen:
            self.records.append(
                GetPacketRecord(
                    variant,
                    packet.index,
                    self.serial_of(packet),
                    length,
                    size_written,
                    output,
                    self.slot.owner.copy(),
                    self.guard,
                    kIOReturnSuccess if fault is None else kIOReturnNotResponding,
                    fault,
                )
            )
