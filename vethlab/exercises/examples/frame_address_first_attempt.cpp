// frame_address as the question's first attempt reads it: the dext's mapping of the pool
// plus the packet's segment offset (no data offset: trap 2, and traps 1 and 4).
#include <vethlab/exercise.h>

uint64_t frame_address(IOUserNetworkPacket *packet, const vethlab_pool *pool)
{
    return pool->address + packet->getMemorySegmentOffset();
}
