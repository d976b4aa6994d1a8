// frame_address as the question's fix reads it: the dext's mapping of the pool, plus the
// packet's segment offset, plus its headroom (traps 1, 3 and 4 are still in it).
#include <vethlab/exercise.h>

uint64_t frame_address(IOUserNetworkPacket *packet, const vethlab_pool *pool)
{
    uint8_t packet_head;
    uint64_t packet_offset;
    packet->GetHeadroom(&packet_head);
    packet->GetMemorySegmentOffset(&packet_offset);
    return pool->address + packet_offset + packet_head;
}
