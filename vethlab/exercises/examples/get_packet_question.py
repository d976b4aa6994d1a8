"""get_packet as the question wrote it, with its fix's address: the struct is not zeroed
(trap 7), getDataLength() bytes are copied whatever their number (trap 6), and the packet
is never completed (trap 12)."""

import numpy as np

from vethlab import kIOReturnSuccess


def get_packet(packet, pool, completion, output, memory):
    output["packet_size"] = packet.getDataLength()
    address = pool.address + packet.GetMemorySegmentOffset() + packet.GetHeadroom()
    frame = memory.read(address, packet.getDataLength())
    output["packet_data"][: len(frame)] = np.frombuffer(frame, np.uint8)
    return kIOReturnSuccess
