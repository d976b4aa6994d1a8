// vethlab's stub of <NetworkingDriverKit/IOUserNetworkPacketBufferPool.h>, for type-checking
// only: NOT Apple's header. Written from Apple's NetworkingDriverKit documentation and the
// generated SDK header (iig DriverKit-107.100.6); the flag values are Apple's.
#ifndef VETHLAB_STUB_NDK_IOUSERNETWORKPACKETBUFFERPOOL_H
#define VETHLAB_STUB_NDK_IOUSERNETWORKPACKETBUFFERPOOL_H

#include <NetworkingDriverKit/IOUserNetworkPacket.h>

enum IOUserNetworkPacketBufferPoolFlags {
    PoolFlagSingleMemorySegment = 0x00000002,  // one memory segment of buffers
    PoolFlagPersistentMemory    = 0x00000004,  // pool memory persistently wired
    PoolFlagMapToDext           = 0x10000000,  // packets know their address in the dext
    PoolFlagMapToDevice         = 0x20000000,
    PoolFlagMask = PoolFlagSingleMemorySegment | PoolFlagPersistentMemory | PoolFlagMapToDext
                 | PoolFlagMapToDevice,
    // Newer SDKs add PoolFlagIODirectionIn, PoolFlagIODirectionOut and PoolFlagVirtualDevice;
    // their values are not in vethlab's sources, so they are not declared here.
};

struct IOUserNetworkPacketBufferPoolOptions {
    uint32_t packetCount;
    uint32_t bufferCount;          // at least packetCount
    uint32_t bufferSize;           // the pool may round it up (vethlab: XNU's size rule)
    uint32_t maxBuffersPerPacket;  // 1 in every driver seen
    uint32_t memorySegmentSize;    // 0: the system's choice
    uint32_t poolFlags;            // IOUserNetworkPacketBufferPoolFlags
    IODMACommandSpecification dmaSpecification;
    uint32_t _resv[16];
};

class IOUserNetworkPacketBufferPool : public OSObject
{
public:
    // Deprecated: "use CreateWithOptions instead".
    static kern_return_t Create(OSObject *poolOwner, const char name[1024], uint32_t packetCount,
                                uint32_t bufferCount, uint32_t bufferSize,
                                IOUserNetworkPacketBufferPool **pool);
    static kern_return_t CreateWithOptions(IOService *device, const char name[1024],
                                           const IOUserNetworkPacketBufferPoolOptions *options,
                                           IOUserNetworkPacketBufferPool **pool);

    virtual kern_return_t CopyMemoryDescriptor(IOMemoryDescriptor **memory);  // the pool's memory
    virtual kern_return_t GetPacketCount(uint32_t *count);
    virtual kern_return_t GetBufferCount(uint32_t *count);
    virtual kern_return_t DeallocatePacket(IOUserNetworkPacket *packet);
    virtual kern_return_t DeallocatePackets(IOUserNetworkPacket **packets, uint32_t packetsCount);

    // INFERRED default: drivers call allocatePacket(&packet) with one argument.
    IOReturn allocatePacket(IOUserNetworkPacket **packet, IOOptionBits options = 0);
    IOReturn deallocatePacket(IOUserNetworkPacket *packet);
    IOReturn deallocatePackets(IOUserNetworkPacket **packets, uint32_t packetsCount);
    IOService *getPoolOwnerDevice();
};

#endif
