// get_packet as the question wrote it, with its fix's address: the struct is not zeroed
// (trap 7), getDataLength() bytes are copied whatever their number (trap 6), and the packet
// is never completed (trap 12).
#include <vethlab/exercise.h>

kern_return_t get_packet(IOUserNetworkPacket *packet, const vethlab_pool *pool,
                         IOUserNetworkTxCompletionQueue *completion, GetPacket_Output *output)
{
    uint8_t packet_head;
    uint64_t packet_offset;
    packet->GetHeadroom(&packet_head);
    packet->GetMemorySegmentOffset(&packet_offset);
    output->packet_size = packet->getDataLength();
    uint64_t address = pool->address + packet_offset + packet_head;
    memcpy(output->packet_data, (void *)address, packet->getDataLength());
    return kIOReturnSuccess;
}
