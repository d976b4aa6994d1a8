// vethlab's stub of <NetworkingDriverKit/IOUserNetworkPacketQueue.h> and the four queue
// headers, for type-checking only: NOT Apple's headers. Written from Apple's
// NetworkingDriverKit documentation and the generated SDK header (iig DriverKit-107.100.6).
#ifndef VETHLAB_STUB_NDK_IOUSERNETWORKPACKETQUEUE_H
#define VETHLAB_STUB_NDK_IOUSERNETWORKPACKETQUEUE_H

#include <NetworkingDriverKit/IOUserNetworkPacketBufferPool.h>

class IOUserNetworkPacketQueue : public OSObject
{
public:
    virtual kern_return_t SetEnable(bool isEnable) = 0;  // the queues start disabled
    virtual kern_return_t CopyDataQueue(IODataQueueDispatchSource **dataQueue);
    virtual kern_return_t EnqueuePacket(IOUserNetworkPacket *packet);
    // EnqueuePackets and DequeuePackets return how many packets they moved.
    virtual uint32_t EnqueuePackets(IOUserNetworkPacket **packets, uint32_t packetCount);
    virtual kern_return_t DequeuePacket(IOUserNetworkPacket **packet);  // an error if none waits
    virtual uint32_t DequeuePackets(IOUserNetworkPacket **packets, uint32_t maxDequeueCount);
    IOReturn enqueuePackets(IOUserNetworkPacket **inPackets, uint32_t count, IOOptionBits options);
    IOReturn requestDequeue(void *refCon, IOOptionBits options);
    IOReturn setEnable(bool isEnable);
};

// Each queue's Create: pool must not be NULL; capacity is the number of packets; queueId 0
// if unused.
class IOUserNetworkTxSubmissionQueue : public IOUserNetworkPacketQueue
{
public:
    static kern_return_t Create(IOUserNetworkPacketBufferPool *pool, OSObject *owner,
                                uint32_t capacity, uint32_t queueId, IODispatchQueue *dispatchQueue,
                                IOUserNetworkTxSubmissionQueue **queue);
    void purgePackets();
};

class IOUserNetworkTxCompletionQueue : public IOUserNetworkPacketQueue
{
public:
    static kern_return_t Create(IOUserNetworkPacketBufferPool *pool, OSObject *owner,
                                uint32_t capacity, uint32_t queueId, IODispatchQueue *dispatchQueue,
                                IOUserNetworkTxCompletionQueue **queue);
};

class IOUserNetworkRxSubmissionQueue : public IOUserNetworkPacketQueue
{
public:
    static kern_return_t Create(IOUserNetworkPacketBufferPool *pool, OSObject *owner,
                                uint32_t capacity, uint32_t queueId, IODispatchQueue *dispatchQueue,
                                IOUserNetworkRxSubmissionQueue **queue);
};

class IOUserNetworkRxCompletionQueue : public IOUserNetworkPacketQueue
{
public:
    static kern_return_t Create(IOUserNetworkPacketBufferPool *pool, OSObject *owner,
                                uint32_t capacity, uint32_t queueId, IODispatchQueue *dispatchQueue,
                                IOUserNetworkRxCompletionQueue **queue);
};

#endif
