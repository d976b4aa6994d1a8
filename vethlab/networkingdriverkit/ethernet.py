"""IOUserNetworkEthernet: the base class of an Ethernet dext, and a dext shaped like Apple's sample.

A NetworkingDriverKit Ethernet driver subclasses ``IOUserNetworkEthernet``. In ``Start`` it
creates its pool and its four queues, reports its media types, sets its TX headroom and
registers the interface; the system later calls ``SetInterfaceEnable(true)``, where the
driver enables its queues and reports its link. The interface's life is a state machine, one
table (:data:`INTERFACE_MOVES`, drawn in :mod:`vethlab.model.moves`): CREATED, STARTED,
REGISTERED, ENABLED.

A call the table does not allow raises :class:`~vethlab.model.moves.IllegalMove` and changes
nothing: ``kIOReturnNotReady`` when it comes too early, ``kIOReturnInvalid`` otherwise
(modelled codes).

:class:`SampleEthernetDext` follows the structure of Apple's "Connecting a network driver"
sample: the same ``Start`` order, queues enabled in ``SetInterfaceEnable``, a TX
data-available handler that dequeues and completes packets. What it does with a frame is
left to subclasses (``transmit_frame``); ``receive_frame`` puts a frame on the RX path.

Provenance: method names, parameters, "exactly four queues, one of each kind, in any order",
"the media type must be one you previously reported", and the constants' values are
documented (SDK headers, IOUserNetworkTypes.h). That ``SetInterfaceEnable`` must chain to
the superclass, that ``GetMaxTransferUnit`` is read once at registration, and that the TX
doorbell is edge-triggered are observed by driver authors. The minimum MTU, the MTU and
headroom limits checked at registration, and the error codes are modelled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from vethlab.driverkit.dispatch import IODispatchQueue
from vethlab.driverkit.service import IOService, OSAction
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
)
from vethlab.model.cint import UINT8_MAX, c_int, uint16, uint32
from vethlab.model.moves import INTERFACE_MOVES, InterfaceState
from vethlab.networkingdriverkit.packet import IOUserNetworkPacket
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PoolFlagMapToDext,
)
from vethlab.networkingdriverkit.queues import (
    QUEUE_CLASSES,
    IOUserNetworkPacketQueue,
    QueueKind,
)

__all__ = [
    "IOUserNetworkEthernet",
    "SampleEthernetDext",
    "InterfaceState",
    "INTERFACE_MOVES",
    "ETHER_HEADER_LEN",
    "MIN_MTU",
    "MEDIA_TYPES",
    "LINK_STATUSES",
    "mac_bytes",
]

ETHER_HEADER_LEN = 14
#: The smallest MTU ``SetMTU`` accepts: IPv4's minimum (RFC 791). (modelled)
MIN_MTU = 68

# --- IOUserNetworkTypes.h (documented values) -------------------------------------------------
kIOUserNetworkLinkStatusInvalid = 0x0
kIOUserNetworkLinkStatusInactive = 0x1
kIOUserNetworkLinkStatusActive = 0x3
kIOUserNetworkLinkStatusWakeSameNet = 0x4

kIOUserNetworkLinkQualityOff = -2
kIOUserNetworkLinkQualityUnknown = -1
kIOUserNetworkLinkQualityBad = 10
kIOUserNetworkLinkQualityPoor = 50
kIOUserNetworkLinkQualityGood = 100

kIOUserNetworkMediaOptionFullDuplex = 0x00100000
kIOUserNetworkMediaOptionHalfDuplex = 0x00200000
kIOUserNetworkMediaOptionFlowControl = 0x00400000
kIOUserNetworkMediaOptionEEE = 0x00800000
kIOUserNetworkMediaOptionLoopback = 0x08000000

#: Media subtypes by name (``kIOUserNetworkMediaEthernet<name>``), as the header numbers them.
MEDIA_TYPES = {
    "Auto": 0x20,
    "Manual": 0x21,
    "None": 0x22,
    "10BaseT": 0x23,
    "10Base2": 0x24,
    "10Base5": 0x25,
    "100BaseTX": 0x26,
    "100BaseFX": 0x27,
    "100BaseT4": 0x28,
    "100BaseVG": 0x29,
    "100BaseT2": 0x2A,
    "1000BaseSX": 0x2B,
    "10BaseSTP": 0x2C,
    "10BaseFL": 0x2D,
    "1000BaseLX": 0x2E,
    "1000BaseCX": 0x2F,
    "1000BaseT": 0x30,
    "HomePNA1": 0x31,
    "10GBaseSR": 0x32,
    "10GBaseLR": 0x33,
    "10GBaseCX4": 0x34,
    "10GBaseT": 0x35,
    "2500BaseT": 0x36,
    "5000BaseT": 0x37,
    "1000BaseCX_SGMII": 0x38,
    "1000BaseKX": 0x39,
    "10GBaseKX4": 0x3A,
    "10GBaseKR": 0x3B,
    "10GBaseCR1": 0x3C,
    "10GBaseER": 0x3D,
    "20GBaseKR2": 0x3E,
    "25GBaseCR": 0x3F,
    "25GBaseKR": 0x820,
    "100GBaseLR4": 0x82F,
}
kIOUserNetworkMediaEthernetMask = 0xFFF
for _name, _value in MEDIA_TYPES.items():
    globals()[f"kIOUserNetworkMediaEthernet{_name}"] = _value
    __all__.append(f"kIOUserNetworkMediaEthernet{_name}")
del _name, _value
_MEDIA_OPTIONS = (
    kIOUserNetworkMediaOptionFullDuplex
    | kIOUserNetworkMediaOptionHalfDuplex
    | kIOUserNetworkMediaOptionFlowControl
    | kIOUserNetworkMediaOptionEEE
    | kIOUserNetworkMediaOptionLoopback
)

kIOUserNetworkFeatureFlagSoftwareVlan = 0x00020000
kIOUserNetworkFeatureFlagWOMP = 0x04000000
kIOUserNetworkFeatureFlagNicProxy = 0x08000000

kIOUserNetworkHWAssistTxChecksumIPHdr = 0x1
kIOUserNetworkHWAssistTxChecksumTCP = 0x2
kIOUserNetworkHWAssistTxChecksumUDP = 0x4
kIOUserNetworkHWAssistTSO4 = 0x00200000
kIOUserNetworkHWAssistTSO6 = 0x00400000
kIOUserNetworkHWAssistRxChecksum = 0x20000000

LINK_STATUSES = {
    kIOUserNetworkLinkStatusInvalid: "invalid",
    kIOUserNetworkLinkStatusInactive: "inactive",
    kIOUserNetworkLinkStatusActive: "active",
    kIOUserNetworkLinkStatusWakeSameNet: "wake same net",
}

__all__ += [
    name for name in list(globals()) if name.startswith("kIOUserNetwork") and name not in __all__
]


def parse_mac(text: str) -> bytes:
    """``"02:00:00:00:00:01"`` as 6 bytes; ValueError for anything else."""
    parts = text.split(":")
    try:
        mac = bytes(int(part, 16) for part in parts if len(part) == 2)
    except ValueError:
        mac = b""
    if len(parts) != 6 or len(mac) != 6:
        raise ValueError(f"MAC address {text!r} is not six hex pairs like '02:00:00:00:00:01'")
    return mac


def mac_bytes(mac) -> bytes:
    """A MAC address as 6 bytes, from bytes or from text like ``"02:00:00:00:00:02"``."""
    if isinstance(mac, str):
        try:
            return parse_mac(mac)
        except ValueError as err:
            raise BadArgument(str(err)) from None
    if isinstance(mac, (bytes, bytearray)) and len(mac) == 6:
        return bytes(mac)
    raise BadArgument(f"MAC address {mac!r} is not 6 bytes (ether_addr_t)")


def _is_multicast(mac: bytes) -> bool:
    return bool(mac[0] & 1)


class IOUserNetworkEthernet(IOService):
    """The base class of a NetworkingDriverKit Ethernet driver (``IOUserNetworkEthernet``)."""

    #: What ``GetMaxTransferUnit`` returns unless a subclass says otherwise.
    max_transfer_unit = 1500

    def __init__(self, mac, task_name: str = "dext") -> None:
        super().__init__(mac, task_name)
        INTERFACE_MOVES.start(self)
        self.mac_address: bytes | None = None
        self.pool: IOUserNetworkPacketBufferPool | None = None
        self.queues: dict[QueueKind, IOUserNetworkPacketQueue] = {}
        self.media_types: tuple[int, ...] = ()
        self.link_status = kIOUserNetworkLinkStatusInvalid
        self.active_media: int | None = None
        self.chosen_media: int | None = None
        self.link_quality = kIOUserNetworkLinkQualityUnknown
        self.promiscuous = False
        self.all_multicast = False
        self.multicast_addresses: tuple[bytes, ...] = ()
        self.mtu = 1500
        self.max_packet_size: int | None = None  # GetMaxTransferUnit, read at registration
        self.tx_headroom = 0
        self.tx_tailroom = 0
        self.hardware_assists = 0
        self._dispatch_queues: dict[str, IODispatchQueue] = {}

    # -- the state machine (INTERFACE_MOVES) ---------------------------------------------------
    def Start(self, provider=None) -> None:
        """``Start``: subclasses call this first, then build pool and queues."""
        INTERFACE_MOVES.check(self, "Start")
        super().Start(provider)
        INTERFACE_MOVES.fire(self, "Start")

    def CopyDispatchQueue(self, name: str = "Default") -> IODispatchQueue:
        """The dext's dispatch queue called ``name`` (one per name, made on first use)."""
        if name not in self._dispatch_queues:
            self._dispatch_queues[name] = IODispatchQueue.Create(
                f"{self.task.name} {name}", mac=self.mac
            )
        return self._dispatch_queues[name]

    # -- set up before registration ---------------------------------------------------------
    def SetTxPacketHeadroom(self, numBytes: int) -> None:
        """Reserve ``numBytes`` at the front of every new TX packet: sets the pool's headroom
        (at registration, or now if already registered). Limited to 0..255 because vethlab
        keeps it in the packet's legacy uint8 headroom field (modelled)."""
        numBytes = c_int("TX headroom", numBytes, 0, UINT8_MAX, ctype="uint16_t")
        if self.pool is not None:
            self._check_fits(self.pool, self.max_packet_size or self.GetMaxTransferUnit(), numBytes)
            self.pool.headroom = numBytes
        self.tx_headroom = numBytes

    def SetTxPacketTailroom(self, numBytes: int) -> None:
        self.tx_tailroom = uint16("TX tailroom", numBytes)

    def getTxDataOffset(self) -> int:
        """Where TX frames start past the headroom for BSD sockets (documented default 0)."""
        return 0

    def ReportAvailableMediaTypes(
        self, mediaTypes: Sequence[int], count: int | None = None
    ) -> None:
        """The media this interface can do; Apple recommends including Auto."""
        media = [uint32("media type", m) for m in mediaTypes]
        if count is not None:
            count = uint32("count", count)
            if count != len(media):
                raise BadArgument(
                    f"count {count} does not match the {len(media)} media types given"
                )
        if not media:
            raise BadArgument("no media types: report at least one (Apple recommends Auto)")
        for m in media:
            if not _is_media_type(m):
                raise BadArgument(
                    f"media type {m!r} is not a kIOUserNetworkMediaEthernet… value "
                    "(a known subtype, optionally with media option bits)"
                )
        self.media_types = tuple(media)

    def ReportLinkStatus(self, linkStatus: int, activeMediaType: int) -> None:
        """The link's status and media; the media must have been reported (documented)."""
        if linkStatus not in LINK_STATUSES:
            raise BadArgument(
                f"link status {linkStatus!r} is not one of "
                f"{', '.join(f'0x{s:x}' for s in LINK_STATUSES)}"
            )
        if activeMediaType not in self.media_types:
            raise BadArgument(
                f"media type 0x{activeMediaType:x} was not reported; reported: "
                f"{[hex(m) for m in self.media_types] or 'none (call ReportAvailableMediaTypes)'}"
            )
        self.link_status = linkStatus
        self.active_media = activeMediaType

    reportLinkStatus = ReportLinkStatus

    def ReportLinkQuality(self, linkQuality: int) -> None:
        self.link_quality = linkQuality

    def SelectMediaType(self, mediaType: int) -> None:
        if mediaType not in self.media_types:
            raise BadArgument(f"media type 0x{mediaType:x} was not reported")
        self.chosen_media = mediaType

    # -- registration -----------------------------------------------------------------------
    def RegisterEthernetInterface(
        self, macAddress, pool, queues, queueCount: int | None = None
    ) -> None:
        """Register the interface with its MAC address, pool and exactly four queues, one
        of each kind, in any order (documented). Anything else: kIOReturnBadArgument, and
        nothing is registered."""
        INTERFACE_MOVES.check(self, "RegisterEthernetInterface")
        address = mac_bytes(macAddress)
        if _is_multicast(address):
            raise BadArgument(f"MAC address {address.hex(':')} is a multicast address")
        if not isinstance(pool, IOUserNetworkPacketBufferPool):
            raise BadArgument(f"pool {pool!r} is not an IOUserNetworkPacketBufferPool")
        queues = list(queues)
        count = len(queues) if queueCount is None else uint32("queueCount", queueCount)
        if count != 4 or len(queues) != 4:
            raise BadArgument(
                f"queueCount {count} with {len(queues)} queues given; allowed: "
                "exactly 4 (one each of TX/RX submission and completion)"
            )
        kinds = []
        for q in queues:
            if not isinstance(q, IOUserNetworkPacketQueue):
                raise BadArgument(f"{q!r} is not an IOUserNetworkPacketQueue")
            kinds.append(q.kind)
        missing = [k.title for k in QUEUE_CLASSES if k not in kinds]
        if missing:
            raise BadArgument(
                f"the four queues must be one of each kind; missing: "
                f"{', '.join(missing)}; given: {', '.join(k.title for k in kinds)}"
            )
        for q in queues:
            if q.pool is not pool:
                raise BadArgument(
                    f"the {q.kind.title} queue was created with pool "
                    f"{q.pool.name!r}, not {pool.name!r}"
                )
            if q.state.name != "UNREGISTERED":
                raise BadArgument(f"the {q.kind.title} queue is already registered")
        max_mtu = self.GetMaxTransferUnit()
        self._check_fits(pool, max_mtu, self.tx_headroom)
        # Everything checked: now change state.
        for q in queues:
            q._register()
        self.queues = {q.kind: q for q in queues}
        self.pool = pool
        self.mac_address = address
        self.max_packet_size = max_mtu
        pool.headroom = self.tx_headroom
        INTERFACE_MOVES.fire(self, "RegisterEthernetInterface")

    def _check_fits(self, pool, mtu: int, headroom: int) -> None:
        need = headroom + ETHER_HEADER_LEN + mtu
        if need > pool.layout.buffer_size:
            raise BadArgument(
                f"a {mtu}-byte MTU frame ({ETHER_HEADER_LEN + mtu} bytes) after {headroom} "
                f"bytes of headroom needs {need} bytes, more than the pool's "
                f"{pool.layout.buffer_size}-byte buffers (modelled check)"
            )

    # -- what the system calls ----------------------------------------------------------------
    def SetInterfaceEnable(self, isEnable: bool) -> None:
        """Called by the system to bring the interface up or down. Subclasses enable or
        disable their four queues and report the link, then chain here (observed: a driver
        that does not chain to super stays down)."""
        INTERFACE_MOVES.fire(self, _enable_action(isEnable))

    setInterfaceEnable = SetInterfaceEnable

    def SetPromiscuousModeEnable(self, enable: bool) -> None:
        self.promiscuous = bool(enable)

    setPromiscuousModeEnable = SetPromiscuousModeEnable

    def SetAllMulticastModeEnable(self, enable: bool) -> None:
        self.all_multicast = bool(enable)

    def setMulticastAddresses(self, addresses: Sequence, count: int | None = None) -> None:
        """The multicast groups to receive (IPv6 neighbour discovery needs its solicited-node
        group: a driver that ignores this call breaks IPv6, observed)."""
        groups = [mac_bytes(a) for a in addresses]
        if count is not None and uint32("count", count) != len(groups):
            raise BadArgument(f"count {count} does not match the {len(groups)} addresses given")
        for g in groups:
            if not _is_multicast(g):
                raise BadArgument(
                    f"{g.hex(':')} is not a multicast address (low bit of the first octet clear)"
                )
        self.multicast_addresses = tuple(groups)

    SetMulticastAddresses = setMulticastAddresses

    def SetMTU(self, mtu: int) -> None:
        """Set the MTU; at most ``GetMaxTransferUnit()`` (larger is refused above the driver,
        observed), at least 68 (modelled)."""
        high = self.GetMaxTransferUnit()
        self.mtu = uint32("MTU", mtu, MIN_MTU, high)

    def GetMaxTransferUnit(self) -> int:
        """The largest MTU the driver supports (read once, at registration: observed)."""
        return self.max_transfer_unit

    def SetHardwareAssists(self, hardwareAssists: int) -> None:
        self.hardware_assists = hardwareAssists

    def GetHardwareAssists(self) -> int:
        return 0

    # -- vethlab's own ------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self.interface_state is InterfaceState.ENABLED

    def queue(self, kind: QueueKind) -> IOUserNetworkPacketQueue:
        return self.queues[kind]

    def accepts(self, destination: bytes) -> bool:
        """Whether a frame to ``destination`` is for this interface: its own address,
        broadcast, a joined multicast group (or any with all-multicast), or anything when
        promiscuous."""
        if self.promiscuous or destination == self.mac_address or destination == b"\xff" * 6:
            return True
        if _is_multicast(destination):
            return self.all_multicast or destination in self.multicast_addresses
        return False


def _enable_action(isEnable: bool) -> str:
    return "SetInterfaceEnable(true)" if isEnable else "SetInterfaceEnable(false)"


def _is_media_type(value) -> bool:
    subtype = value & kIOUserNetworkMediaEthernetMask
    options = value & ~kIOUserNetworkMediaEthernetMask
    return subtype in MEDIA_TYPES.values() and not options & ~_MEDIA_OPTIONS


#: A queue's capacity when the constructor is not told.
DEFAULT_CAPACITY = 16


def _capacities(capacities) -> dict[QueueKind, int]:
    """The four queues' capacities from one number or a (partial) dict; see
    :class:`SampleEthernetDext`. Raises ``BadArgument`` naming the bad key or value."""
    if not isinstance(capacities, dict):
        capacities = {kind: capacities for kind in QUEUE_CLASSES}
    unknown = [key for key in capacities if not isinstance(key, QueueKind)]
    if unknown:
        raise BadArgument(
            f"capacities key {unknown[0]!r} is not a queue kind; allowed: "
            + ", ".join(f"QueueKind.{kind.name}" for kind in QUEUE_CLASSES)
        )
    return {
        kind: uint32(f"capacities[{kind.name}]", capacities.get(kind, DEFAULT_CAPACITY), 1)
        for kind in QUEUE_CLASSES
    }


class SampleEthernetDext(IOUserNetworkEthernet):
    """A virtual Ethernet dext with the structure of Apple's sample.

    ``Start`` creates a pool (``CreateWithOptions``, ``PoolFlagMapToDext``), the four queues
    on the "Default" dispatch queue, the TX data-available action; reports Auto, 100BaseTX
    and 1000BaseT; sets the TX headroom; registers. ``SetInterfaceEnable`` enables the four
    queues and reports the link active. ``TxPacketAvailable`` dequeues up to ``tx_batch``
    packets, reads each frame at ``getDataVirtualAddress() + getDataOffset()``, hands it to
    ``transmit_frame`` and completes the packet.

    ``capacities``: one capacity for all four queues, or a dict from :class:`QueueKind` to a
    capacity; a kind it leaves out gets the default (16). The rule, checked here before
    anything is made (modelled): every capacity is an integer ``1..0xffffffff`` (``uint32_t``,
    as ``Create`` takes), every key a ``QueueKind``; anything else is ``kIOReturnBadArgument``.

    ``redrain``: after a batch, look again while packets are waiting. Apple's sample takes
    one batch of 8 per doorbell; with an edge-triggered doorbell the packets left behind wait
    until something else rings it (set ``redrain=False`` to see it stall).
    """

    #: The interface's own address: the Mac's side of the virtual wire (vethlab.wire.frames.HOST).
    mac_address_default = bytes.fromhex("020000000001")

    def __init__(
        self,
        mac,
        *,
        buffer_size: int = 2048,
        packets: int = 64,
        capacities: dict[QueueKind, int] | int = DEFAULT_CAPACITY,
        headroom: int = 8,
        tx_batch: int = 8,
        redrain: bool = True,
        macAddress=None,
        task_name: str = "dext",
    ) -> None:
        super().__init__(mac, task_name)
        self.buffer_size = buffer_size
        self.packet_count = packets
        self.capacities = _capacities(capacities)
        self.headroom = headroom
        self.tx_batch = tx_batch
        self.redrain = redrain
        self.requested_mac = (
            mac_bytes(macAddress) if macAddress is not None else self.mac_address_default
        )
        self.counters: Counter[str] = Counter()
        self.drops: Counter[str] = Counter()

    def Start(self, provider=None) -> None:
        super().Start(provider)
        self.dispatch = self.CopyDispatchQueue("Default")
        options = IOUserNetworkPacketBufferPoolOptions(
            packetCount=self.packet_count,
            bufferCount=self.packet_count,
            bufferSize=self.buffer_size,
            maxBuffersPerPacket=1,
            poolFlags=PoolFlagMapToDext,
        )
        pool = IOUserNetworkPacketBufferPool.CreateWithOptions(self, "vethlab", options)
        self.tx_action = OSAction.Create(self, "TxPacketAvailable", self.dispatch)
        made = {}
        for kind, cls in QUEUE_CLASSES.items():
            made[kind] = cls.Create(pool, self, self.capacities[kind], 0, self.dispatch)
        self.txs, self.txc = made[QueueKind.TX_SUBMISSION], made[QueueKind.TX_COMPLETION]
        self.rxs, self.rxc = made[QueueKind.RX_SUBMISSION], made[QueueKind.RX_COMPLETION]
        self.txs.CopyDataQueue().SetDataAvailableHandler(self.tx_action)
        auto, fast, gig = (MEDIA_TYPES["Auto"], MEDIA_TYPES["100BaseTX"], MEDIA_TYPES["1000BaseT"])
        self.ReportAvailableMediaTypes([auto, fast, gig])
        self.SetTxPacketHeadroom(self.headroom)
        self.RegisterEthernetInterface(
            self.requested_mac, pool, [self.txs, self.txc, self.rxs, self.rxc], 4
        )

    def SetInterfaceEnable(self, isEnable: bool) -> None:
        INTERFACE_MOVES.check(self, _enable_action(isEnable))  # change nothing if illegal
        for q in (self.txc, self.txs, self.rxc, self.rxs):  # the sample's order
            q.SetEnable(isEnable)
        if isEnable:
            self.ReportLinkStatus(kIOUserNetworkLinkStatusActive, MEDIA_TYPES["1000BaseT"])
            self.txs.requestDequeue()  # catch packets that rang no bell while down
        else:
            self.ReportLinkStatus(kIOUserNetworkLinkStatusInactive, MEDIA_TYPES["1000BaseT"])
        super().SetInterfaceEnable(isEnable)

    # -- TX: the doorbell handler ------------------------------------------------------------
    def TxPacketAvailable(self, action: OSAction) -> None:
        """Dequeue up to ``tx_batch`` packets, send each, complete it; again while packets
        wait if ``redrain``."""
        self.counters["tx doorbell"] += 1
        while True:
            packets = self.txs.DequeuePackets(self.tx_batch)
            for packet in packets:
                self.send_packet(packet)
            if not packets or not self.redrain or not self.txs.count:
                break

    def send_packet(self, packet: IOUserNetworkPacket) -> None:
        """What the dext does with one packet from TX submission: read the frame, hand it to
        ``transmit_frame``, complete the packet (or free it if TX completion refuses it)."""
        frame = self.read_frame(packet)
        self.counters["tx frames"] += 1
        self.transmit_frame(frame)
        try:
            self.txc.EnqueuePacket(packet)
        except IOReturnError:
            self.counters["tx completion refused"] += 1
            self.pool.DeallocatePacket(packet)  # as the sample does

    def read_frame(self, packet: IOUserNetworkPacket) -> bytes:
        """The frame's bytes, read through the dext's own mapping: base + data offset."""
        address = packet.getDataVirtualAddress() + packet.getDataOffset()
        return self.task.read(address, packet.getDataLength())

    def transmit_frame(self, frame: bytes) -> None:
        """What the "hardware" does with a frame; subclasses send it somewhere."""

    # -- RX: a frame arrives ------------------------------------------------------------------
    def receive_frame(self, frame: bytes) -> IOUserNetworkPacket:
        """Put ``frame`` on the RX path: take an empty packet from RX submission, write the
        frame at base + data offset, enqueue it on RX completion. Raises the queue's
        IOReturnError (nothing delivered, no packet kept) when that is not possible."""
        frame = bytes(frame)
        packet = self.rxs.DequeuePacket()  # kIOReturnUnderrun: no empty packet stocked
        try:
            offset = packet.getDataOffset()
            packet.setDataOffsetAndLength(offset, len(frame))  # BadArgument: does not fit
            self.task.write(packet.getDataVirtualAddress() + offset, frame)
            packet.setLinkHeaderLength(ETHER_HEADER_LEN)
            self.rxc.EnqueuePacket(packet)
        except IOReturnError:
            self.pool.DeallocatePacket(packet)
            raise
        self.counters["rx frames"] += 1
        return packet
