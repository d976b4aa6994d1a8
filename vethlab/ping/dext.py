"""The ping dext: a virtual Ethernet dext whose wire is its controlling app.

The whole path of one ping, each arrow a call you can step through::

    host stack (kernel)              VirtualEthernetDext                  Responder (the app)
    send(echo request)
      -> TX submission --doorbell--> TxPacketAvailable: the packets
                                     wait in `pending`; AsyncCompletion
                                     "packets available" ------------->  callback on its queue
                                     GetPacket: frame copied out,  <----  IOConnectCallStructMethod
                                     packet completed on TX completion     (kGetPacket)
    reclaim <- TX completion                                            on_frame: ARP request for
                                                                        my address? echo request?
                                     PutPacket: an empty packet from <--  IOConnectCallStructMethod
                                     RX submission, filled, enqueued        (kPutPacket, the reply)
    deliver <- RX completion         on RX completion
    (validate, match the reply)

The dext builds on the question's user client (:mod:`vethlab.handoff`): the same
``PacketUserClient`` selectors (RegisterCallback, GetPacket, GetPackets, RegisterFrameCallback,
CompleteFrames) in the same three designs, plus ``kPutPacket``. The difference is where its
packets come from: TX submission, and back to TX completion, instead of straight from a pool.
Its GetPacket is the safe one: a frame over 1600 bytes is dropped (``kIOReturnMessageTooLarge``).

Provenance: the queue calls are documented (see :mod:`vethlab.networkingdriverkit.queues`); the app's IOKit calls
are documented; the PutPacket selector, its number and its error codes, the responder's
behaviour and the step-by-step scheduling are modelled.
"""

from __future__ import annotations

from vethlab.driverkit.userclient import (
    ENTITLEMENT_DRIVERKIT,
    IOUserClientMethodDispatch,
    kIOUserClientVariableStructureSize,
)
from vethlab.handoff.dext import FrameHandoff
from vethlab.handoff.stack_slot import DEFAULT_GUARD
from vethlab.handoff.user_client import PacketUserClient
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnNotReady,
    kIOReturnOverrun,
    kIOReturnUnderrun,
)
from vethlab.model.memory import Mac
from vethlab.model.moves import PACKET_MOVES, Place
from vethlab.networkingdriverkit.ethernet import SampleEthernetDext
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket

__all__ = [
    "kPutPacket",
    "PUT_FAILURES",
    "EthernetUserClient",
    "VirtualEthernetDext",
]

#: The selector that puts a frame on the RX path (modelled number: the next after
#: vethlab.handoff's).
kPutPacket = 5

#: Why a PutPacket failed, by the code the app got back.
PUT_FAILURES = {
    kIOReturnUnderrun: "RX submission had no empty packet",
    kIOReturnOverrun: "RX completion full",
    kIOReturnNotReady: "RX queues not enabled",
    kIOReturnBadArgument: "reply does not fit a packet buffer",
}


def _put_packet(target, reference, arguments):
    return target.PutPacket(arguments)


class EthernetUserClient(PacketUserClient):
    """The question's user client plus ``kPutPacket``: a frame in, on the RX path."""

    SELECTOR_NAMES = {**PacketUserClient.SELECTOR_NAMES, kPutPacket: "PutPacket"}
    DISPATCH = {
        **PacketUserClient.DISPATCH,
        kPutPacket: IOUserClientMethodDispatch(
            _put_packet, checkStructureInputSize=kIOUserClientVariableStructureSize
        ),
    }

    def PutPacket(self, arguments) -> None:
        """The frame in ``structureInput`` (or its descriptor, over 4096 bytes) goes on the
        RX path: ``receive_frame`` raises the queue's error when it cannot."""
        frame = arguments.structure_input_bytes()
        if not frame:
            raise BadArgument("PutPacket needs a frame as its structure input")
        self.provider.receive_frame(frame)


class VirtualEthernetDext(FrameHandoff, SampleEthernetDext):
    """A virtual Ethernet dext whose "wire" is its controlling app.

    TX packets wait in ``pending`` (held by the dext) until the app takes their frames with
    GetPacket (or GetPackets, or reads them through its mapping); then they are completed on
    TX completion. Frames the app puts with ``kPutPacket`` go on the RX path.
    """

    bundle_identifier = "com.example.vethlab.VirtualEthernet"
    entitlements = {
        ENTITLEMENT_DRIVERKIT: True,
        "com.apple.developer.driverkit.family.networking": True,
    }
    USER_CLIENT_CLASS = EthernetUserClient
    get_packet = "safe"

    def __init__(
        self, mac: Mac, *, guard: int = DEFAULT_GUARD, keep_records: int = 0, **options
    ) -> None:
        super().__init__(mac, **options)
        self.guard = guard
        self.keep_records = keep_records

    def Start(self, provider=None) -> None:
        super().Start(provider)
        self.start_handoff()
        self.pool_md = self.pool.CopyMemoryDescriptor()

    def frame_address(self, packet: IOUserNetworkPacket) -> int:
        """Today's API: ``getDataVirtualAddress() + getDataOffset()``."""
        return packet.getDataVirtualAddress() + packet.getDataOffset()

    def frame_pool_offset(self, packet: IOUserNetworkPacket) -> int:
        return packet.frame_offset()

    # -- TX ------------------------------------------------------------------------------------
    def send_packet(self, packet: IOUserNetworkPacket) -> None:
        """Hold the packet until the app takes its frame."""
        self._serials[packet.index] = self.counters["tx frames"]
        self.counters["tx frames"] += 1
        self.pending.append(packet)

    def TxPacketAvailable(self, action) -> None:
        super().TxPacketAvailable(action)
        if self.pending:
            self.packets_available()

    def recycle(self, packet: IOUserNetworkPacket) -> None:
        """The app has the frame: complete the packet on TX completion (free it if refused)."""
        if packet.place is Place.APP:  # back from the app (shared mapping)
            PACKET_MOVES.fire(packet, "CompleteFrames", Place.DEXT_TX)
        try:
            self.txc.EnqueuePacket(packet)
        except IOReturnError:
            self.counters["tx completion refused"] += 1
            self.pool.DeallocatePacket(packet)

    def SetInterfaceEnable(self, isEnable: bool) -> None:
        if not isEnable:  # frames the app never took are dropped: complete their packets
            while self.pending:
                self.counters["dropped on disable"] += 1
                self.recycle(self.pending.popleft())
        super().SetInterfaceEnable(isEnable)
