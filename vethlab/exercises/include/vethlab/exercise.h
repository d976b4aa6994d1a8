// vethlab's exercise header, for `vethlab check`: NOT Apple's header. What a C++ answer to
// one of vethlab's exercises is given, and the function it must define.
#ifndef VETHLAB_EXERCISE_H
#define VETHLAB_EXERCISE_H

#include <string.h>
#include <DriverKit/DriverKit.h>
#include <NetworkingDriverKit/NetworkingDriverKit.h>

// What a dext knows about its pool in real code, and nothing more.
struct vethlab_pool {
    uint64_t address;                // where the dext mapped the pool's memory descriptor
                                     // itself (Map or CreateMapping); 0 if it did not
    bool map_to_dext;                // the pool was created with PoolFlagMapToDext
    uint32_t requested_buffer_size;  // the bufferSize the dext asked for
};

// The question's output structure: 1604 bytes, alignment 4.
struct GetPacket_Output {
    uint8_t packet_data[1600];
    uint32_t packet_size;
};

// Exercise frame_address: the address, in the dext, of the frame's first byte.
uint64_t frame_address(IOUserNetworkPacket *packet, const vethlab_pool *pool);

// Exercise get_packet: fill *output for packet (the struct holds an earlier frame's bytes
// when it is called) and complete the packet on completion; kIOReturnSuccess, or another
// kern_return_t for a frame that does not fit packet_data.
kern_return_t get_packet(IOUserNetworkPacket *packet, const vethlab_pool *pool,
                         IOUserNetworkTxCompletionQueue *completion, GetPacket_Output *output);

#endif
