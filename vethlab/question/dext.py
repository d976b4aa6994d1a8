"""The question's dext with its user client: frames from the host stack to the app.

::

    host stack ──transmit──► PacketDext.pending ──AsyncCompletion──► app's callback

Where the dext looks for the frame is one of the three address methods of
:mod:`vethlab.question.scenario` (``address_method=``), so the question's first attempt can be
run through the whole user client too. Which GetPacket it runs is ``get_packet=``
(:mod:`vethlab.handoff.get_packet`).
"""

from __future__ import annotations

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
        """The host stack's half of ``transmit``: frames into packets (not handed over yet)."""
        packets = []
        for frame in frames:
            packet = self.host.transmit(frame, headroom=headroom, data_offset=data_offset)
            self._serials[packet.index] = self.host.writes[-1].serial
            packets.append(packet)
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
