// get_packet, answered: zero the struct, refuse what does not fit, copy only the frame, and
// complete the packet whatever happens.
#include <vethlab/exercise.h>

uint64_t frame_address(IOUserNetworkPacket *packet, const vethlab_pool *pool)
{
    uint64_t base = pool->map_to_dext ? 0 : pool->address;
    return base + packet->getDataVirtualAddress() + packet->getDataOffset();
}

kern_return_t get_packet(IOUserNetworkPacket *packet, const vethlab_pool *pool,
                         IOUserNetworkTxCompletionQueue *completion, GetPacket_Output *output)
{
    memset(output, 0, sizeof(*output));  // the struct held an earlier frame
    uint32_t length = packet->getDataLength();
    if (length > sizeof(output->packet_data)) {
        packet->setCompletionStatus(kIOReturnMessageTooLarge);
        completion->EnqueuePacket(packet);  // refused, but still handed back
        return kIOReturnMessageTooLarge;
    }
    memcpy(output->packet_data, (const void *)frame_address(packet, pool), length);
    output->packet_size = length;
    completion->EnqueuePacket(packet);
    return kIOReturnSuccess;
}
