// frame_address, answered: the buffer's base plus the data offset. With PoolFlagMapToDext,
// getDataVirtualAddress() is the buffer's address in the dext; without it, it is the
// buffer's offset in the pool, and the dext's own mapping of the pool is the base.
#include <vethlab/exercise.h>

uint64_t frame_address(IOUserNetworkPacket *packet, const vethlab_pool *pool)
{
    uint64_t base = pool->map_to_dext ? 0 : pool->address;
    return base + packet->getDataVirtualAddress() + packet->getDataOffset();
}
