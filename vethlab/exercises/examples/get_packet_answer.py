"""get_packet, answered: zero the struct, refuse what does not fit, copy only the frame,
and complete the packet whatever happens."""

import numpy as np

from vethlab import kIOReturnMessageTooLarge, kIOReturnSuccess


def frame_address(packet, pool):
    base = 0 if pool.map_to_dext else pool.address
    return base + packet.getDataVirtualAddress() + packet.getDataOffset()


def get_packet(packet, pool, completion, output, memory):
    output.fill(0)  # the struct held an earlier frame: nothing stale may reach the app
    length = packet.getDataLength()
    if length > output["packet_data"].size:  # 1600: a longer frame would overrun the struct
        packet.setCompletionStatus(kIOReturnMessageTooLarge)
        completion.EnqueuePacket(packet)  # refused, but still handed back
        return kIOReturnMessageTooLarge
    frame = memory.read(frame_address(packet, pool), length)
    output["packet_data"][:length] = np.frombuffer(frame, np.uint8)
    output["packet_size"] = length
    completion.EnqueuePacket(packet)
    return kIOReturnSuccess
