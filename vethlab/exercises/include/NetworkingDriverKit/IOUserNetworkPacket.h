// vethlab's stub of <NetworkingDriverKit/IOUserNetworkPacket.h>, for type-checking only: NOT
// Apple's header. Written from Apple's NetworkingDriverKit documentation and the generated
// SDK header (iig DriverKit-107.100.6).
#ifndef VETHLAB_STUB_NDK_IOUSERNETWORKPACKET_H
#define VETHLAB_STUB_NDK_IOUSERNETWORKPACKET_H

#include <NetworkingDriverKit/IOUserNetworkTypes.h>

class IOUserNetworkPacketBufferPool;
class IOUserNetworkPacketQueue;

class IOUserNetworkPacket : public OSObject
{
public:
    // The current methods. getDataVirtualAddress() is the address of the packet's BUFFER in
    // the dext (a pool made with PoolFlagMapToDext); the frame starts getDataOffset() bytes
    // after it.
    virtual uint64_t getDataVirtualAddress() const;
    virtual uint64_t getDataIOVirtualAddress() const;
    virtual IOUserNetworkPacketBufferPool *getPacketBufferPool() const;
    virtual uint64_t getMemorySegmentOffset() const;
    virtual kern_return_t setDataLength(uint32_t length) final;
    virtual uint32_t getDataLength() const final;
    virtual kern_return_t setDataOffset(uint16_t offset) final;  // bytes from the buffer's start
    virtual uint16_t getDataOffset() const final;
    virtual kern_return_t setDataOffsetAndLength(uint16_t offset, uint32_t length) final;
    size_t getDataOff() const;                                   // DriverKit 23.0+
    IOReturn setDataOff(size_t offset);                          // DriverKit 23.0+
    IOReturn setDataOffAndLen(size_t offset, size_t length);     // DriverKit 23.0+
    uint8_t getLinkHeaderLength() const;
    IOReturn setLinkHeaderLength(uint8_t length);
    void setCompletionStatus(IOReturn status);
    IOReturn prepareWithQueue(IOUserNetworkPacketQueue *queue,
                              IOUserNetworkPacketDirection direction);
    IOReturn getTimestamp(uint64_t *timestamp) const;
    IOReturn setTimestamp(uint64_t timestamp);

    // The capitalised methods of the first SDKs: each returns its value through a pointer.
    // Apple's headers mark every one deprecated.
    virtual kern_return_t SetDataLength(uint32_t length);
    virtual kern_return_t GetDataLength(uint32_t *length) const;
    virtual kern_return_t SetDataOffset(uint16_t offset);
    virtual kern_return_t GetDataOffset(uint16_t *offset) const;
    virtual kern_return_t SetHeadroom(uint8_t headroom);
    virtual kern_return_t GetHeadroom(uint8_t *headroom) const;
    virtual kern_return_t SetLinkHeaderLength(uint8_t length);
    virtual kern_return_t GetLinkHeaderLength(uint8_t *length) const;
    virtual kern_return_t GetMemorySegmentOffset(uint64_t *offset) const;
    virtual kern_return_t GetPacketBufferPool(IOUserNetworkPacketBufferPool **pool) const;
};

#endif
