// vethlab's stub of <DriverKit/IOBufferMemoryDescriptor.h>, for type-checking only: NOT
// Apple's header. Written from Apple's DriverKit documentation and XNU's
// iokit/DriverKit/IOBufferMemoryDescriptor.iig.
#ifndef VETHLAB_STUB_DRIVERKIT_IOBUFFERMEMORYDESCRIPTOR_H
#define VETHLAB_STUB_DRIVERKIT_IOBUFFERMEMORYDESCRIPTOR_H

#include <DriverKit/IOMemoryDescriptor.h>

class IOBufferMemoryDescriptor : public IOMemoryDescriptor
{
public:
    // options: a kIOMemoryDirection... value. alignment: 0 for none, or e.g. 256.
    static kern_return_t Create(uint64_t options, uint64_t capacity, uint64_t alignment,
                                IOBufferMemoryDescriptor **memory);
    kern_return_t GetAddressRange(IOAddressSegment *range);
    virtual kern_return_t SetLength(uint64_t length);  // at most the capacity
};

#endif
