"""The question's dext with its user client: frames from the host stack to the app.

::

    host stack ──transmit──► PacketDext.pending ──AsyncCompletion──► app's callback

Where the dext looks for the frame is one of the three address methods of
:mod:`vethlab.question.scenario` (``address_method=``), so the question's first attempt can be
run through the whole user client too. Which GetPacket it runs is ``get_packet=``
(:mod:`vethlab.handoff.get_packet`).
"""

from __future__ import annotations

import itertools

from vethlab.driverkit.userclient import (
    ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS,
    ENTITLEMENT_DRIVERKIT,
)
from vethlab.handoff.dext import FrameHandoff
from vethlab.handoff.get_packet import GET_PACKET_VARIANTS
from vethlab.handoff.stack_slot import DEFAULT_GUARD
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    kIOReturnNotResponding,
)
from vethlab.model.memory import Mac
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket
from vethlab.networkingdriverkit.pool import PoolExhausted
from vethlab.question.scenario import METHODS, QuestionDext
from vethlab.wire.host import HostStack

__all__ = [
    "PacketDext",
]

_POOL_BASES = {  # the base each address method's addresses are relative to, in the dext
    "first_attempt": lambda d: d.pool_map.address_of(0),
    "question_fix": lambda d: d.packet_buffer_addr,
    "current_api": lambda d: d.pool.dext_mapping.address_of(0),
}


class PacketDext(FrameHandoff, QuestionDext):
    """The question's driver with its user client: a normal pool (``CreateWithOptions``,
    ``PoolFlagMapToDext``; ``buffer_size`` 9000 by default so jumbo frames fit), a host stack
    that puts frames into packets, and the packets it has not yet given to its app.

    ``get_packet``: "question" or "safe" (see the module docstring). ``address_method``: a
    key of ``vethlab.question.METHODS``. ``allow_any_app`` gives the dext
    ``allow-any-userclient-access``. ``keep_records``: how many GetPacket records to keep.
    """

    bundle_identifier = "com.example.FooDriver"
    entitlements = {
        ENTITLEMENT_DRIVERKIT: True,
        "com.apple.developer.driverkit.family.networking": True,
    }

    def __init__(
        self,
        mac: Mac,
        *,
        buffer_size: int = 9000,
        packets: int = 64,
        get_packet: str = "question",
        address_method: str = "current_api",
        allow_any_app: bool = False,
        guard: int = DEFAULT_GUARD,
        keep_records: int = 64,
    ) -> None:
        if get_packet not in GET_PACKET_VARIANTS:
            raise BadArgument(
                f"get_packet {get_packet!r} is unknown; allowed: {', '.join(GET_PACKET_VARIANTS)}"
            )
        if address_method not in METHODS:
            raise BadArgument(
                f"address_method {address_method!r} is unknown; allowed: {', '.join(METHODS)}"
            )
        super().__init__(mac, buffer_size, packets, api="current")
        self.get_packet = get_packet
        self.address_method = address_method
        self.guard = guard
        self.keep_records = keep_records
        if allow_any_app:
            self.entitlements = {
                **type(self).entitlements,
                ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS: True,
            }

    def Start(self, provider=None) -> None:
        super().Start(provider)
        self.host = HostStack(self.pool)
        self.start_handoff()
        self._address = METHODS[self.address_method].function
        self._pool_base = _POOL_BASES[self.address_method](self)

    # -- the network side -------------------------------------------------------------
    def transmit(
        self, frames, *, headroom: int | None = None, data_offset: int | None = None
    ) -> list[IOUserNetworkPacket]:
        """The host stack sends ``frames``: each goes into a packet, handed to the dext."""
        if self.crash is not None:
            raise IOReturnError(kIOReturnNotResponding, f"the dext crashed: {self.crash}")
        packets = self.fill(frames, headroom=headroom, data_offset=data_offset)
        self.hand_over(packets)
        return packets

    def fill(
        self, frames, *, headroom: int | None = None, data_offset: int | None = None
    ) -> list[IOUserNetworkPacket]:
        """The host stack's half of ``transmit``: frames into packets (not handed over yet).

        The rule (modelled): ``frames`` is an iterable of bytes-like frames (``bytes``,
        ``bytearray``, ``memoryview``), at most as many as the pool has free packets. It is
        checked before any packet is taken: more frames than free packets is
        ``kIOReturnNoResources`` (only ``free + 1`` frames are read), a frame that is not
        bytes-like is ``kIOReturnBadArgument``. All or nothing: if a frame fails while it is
        put in its packet (too long for the buffer, a bad headroom), every packet already
        filled goes back to the pool through the move table, and the error is raised.
        """
        free = self.pool.free_count
        try:
            batch = list(itertools.islice(frames, free + 1))
        except TypeError:
            raise BadArgument(
                f"frames {type(frames).__name__!r} is not an iterable of frames"
            ) from None
        if len(batch) > free:
            raise PoolExhausted(
                f"transmit of more than {free} frames: the pool has {free} free packets; "
                "nothing was sent"
            )
        for i, frame in enumerate(batch):
            if not isinstance(frame, (bytes, bytearray, memoryview)):
                raise BadArgument(
                    f"frames[{i}] {type(frame).__name__!r} is not bytes; allowed: bytes, "
                    "bytearray, memoryview; nothing was sent"
                )
        packets: list[IOUserNetworkPacket] = []
        try:
            for frame in batch:
                packet = self.host.transmit(frame, headroom=headroom, data_offset=data_offset)
                self._serials[packet.index] = self.host.writes[-1].serial
                packets.append(packet)
        except Exception:
            for packet in packets:  # roll back: every packet taken goes back to the pool
                self._serials.pop(packet.index, None)
            self.pool.DeallocatePackets(packets)
            raise
        return packets

    def hand_over(self, packets) -> None:
        """The dext's half of ``transmit``: the packets become pending; apps are told."""
        self.pending.extend(packets)
        self.packets_available()

    # -- what the selectors use ---------------------------------------------------------
    def frame_address(self, packet: IOUserNetworkPacket) -> int:
        """Where the dext looks for ``packet``'s frame: the chosen address method."""
        return self._address(self, packet)

    def frame_pool_offset(self, packet: IOUserNetworkPacket) -> int:
        """The frame's offset in the pool's memory as the dext computes it (its address minus
        the base of the mapping the address method uses), as a uint64_t."""
        return (self._address(self, packet) - self._pool_base) % (1 << 64)

    def recycle(self, packet: IOUserNetworkPacket) -> None:
        """Give a sent packet back to the pool (its buffer keeps the frame's bytes)."""
        self.pool.DeallocatePacket(packet)
