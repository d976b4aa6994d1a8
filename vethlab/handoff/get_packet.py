"""The two GetPacket selectors, as the C++ would read: the question's and a safe one.

``"question"``  the question's code, both of its bugs kept: it copies ``getDataLength()`` bytes
                into the 1600-byte array (a longer frame overwrites ``packet_size`` and the
                stack after the struct; even longer, the copy runs off the stack and the dext
                dies) and returns all 1604 bytes of a struct it never cleared (stale bytes of
                earlier, longer frames reach the app).
``"safe"``      bounds checked (a frame over 1600 bytes is dropped with
                ``kIOReturnMessageTooLarge``), output cleared first, only ``packet_size``
                bytes of frame.

Provenance: the question's GetPacket and its two bugs are reported (the question's code); the
safe one is vethlab's.
"""

from __future__ import annotations

from vethlab.driverkit.service import OSData
from vethlab.driverkit.userclient import (
    IOUserClientMethodArguments,
)
from vethlab.handoff.structs import (
    GET_PACKET_DATA_SIZE,
)
from vethlab.ioreturn import (
    IOReturnError,
    kIOReturnMessageTooLarge,
)
from vethlab.model.memory import SimulatedFault

__all__ = [
    "GET_PACKET_VARIANTS",
    "get_packet_question",
    "get_packet_safe",
    "GET_PACKET",
]

GET_PACKET_VARIANTS = ("question", "safe")


def get_packet_question(dext, arguments: IOUserClientMethodArguments) -> None:
    """The question's GetPacket (reported), both bugs kept. C++::

    IOUserNetworkPacket *packet = ivars->m_provider->getPacket();
    GetPacket_Output output;                      // stack memory, never cleared
    output.packet_size = packet->getDataLength();
    uint64_t address = /* one of the three address methods */;
    memcpy(output.packet_data, (void *)address, packet->getDataLength());  // unbounded
    in_arguments->structureOutput = OSData::withBytes(&output, sizeof(GetPacket_Output));
    """
    packet = dext.getPacket()
    slot = dext.slot
    length = packet.getDataLength()
    fault = None
    output = b""
    try:
        slot.store_packet_size(length)
        address = dext.frame_address(packet)
        slot.memcpy(address, length, dext.serial_of(packet))
        output = slot.struct_bytes()
        arguments.structureOutput = OSData(output)
    except SimulatedFault as err:
        fault = str(err)
        raise
    finally:
        dext.log(packet, "question", length, length, output, fault)
        dext.recycle(packet)


def get_packet_safe(dext, arguments: IOUserClientMethodArguments) -> None:
    """A safe GetPacket. C++::

    uint32_t length = packet->getDataLength();
    if (length > sizeof(output.packet_data)) { drop it; return kIOReturnMessageTooLarge; }
    GetPacket_Output output = {};                 // cleared: nothing stale can leave
    memcpy(output.packet_data, (void *)address, length);
    output.packet_size = length;
    in_arguments->structureOutput = OSData::withBytes(&output, sizeof(GetPacket_Output));
    """
    packet = dext.getPacket()
    slot = dext.slot
    length = packet.getDataLength()
    if length > GET_PACKET_DATA_SIZE:
        dext.dropped += 1
        dext.recycle(packet)
        raise IOReturnError(
            kIOReturnMessageTooLarge,
            f"a frame of {length} bytes does not fit packet_data"
            f"[{GET_PACKET_DATA_SIZE}]; packet {packet.index} dropped",
        )
    fault = None
    output = b""
    try:
        slot.bzero()
        slot.memcpy(dext.frame_address(packet), length, dext.serial_of(packet))
        slot.store_packet_size(length)
        output = slot.struct_bytes()
        arguments.structureOutput = OSData(output)
    except SimulatedFault as err:
        fault = str(err)
        raise
    finally:
        dext.log(packet, "safe", length, length, output, fault)
        dext.recycle(packet)


#: The GetPacket of each variant, by name.
GET_PACKET = {"question": get_packet_question, "safe": get_packet_safe}
