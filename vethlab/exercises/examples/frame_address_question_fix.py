"""frame_address as the question's fix reads it: the dext's mapping of the pool, plus the
packet's segment offset, plus its headroom (traps 1, 3 and 4 are still in it)."""


def frame_address(packet, pool):
    packet_head = packet.GetHeadroom()
    packet_offset = packet.GetMemorySegmentOffset()
    return pool.address + packet_offset + packet_head
