// vethlab's stub of <DriverKit/IOMemoryMap.h>, for type-checking only: NOT Apple's header.
// Written from Apple's DriverKit documentation and XNU's iokit/DriverKit/IOMemoryMap.iig.
#ifndef VETHLAB_STUB_DRIVERKIT_IOMEMORYMAP_H
#define VETHLAB_STUB_DRIVERKIT_IOMEMORYMAP_H

#include <DriverKit/OSObject.h>

class IOMemoryMap : public OSObject
{
public:
    uint64_t GetAddress();  // where the mapping starts in this process
    uint64_t GetLength();
    uint64_t GetOffset();   // bytes from the start of the descriptor to the mapping's first byte
};

#endif
