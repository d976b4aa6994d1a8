// vethlab's stub of <DriverKit/IOMemoryDescriptor.h>, for type-checking only: NOT Apple's header.
// Written from Apple's DriverKit documentation and XNU's iokit/DriverKit/IOMemoryDescriptor.iig
// (xnu-11417.101.15); the constants are Apple's values.
#ifndef VETHLAB_STUB_DRIVERKIT_IOMEMORYDESCRIPTOR_H
#define VETHLAB_STUB_DRIVERKIT_IOMEMORYDESCRIPTOR_H

#include <DriverKit/OSObject.h>

class IOMemoryMap;

// Create options: the direction is relative to your process.
enum {
    kIOMemoryDirectionNone      = 0x00000000,
    kIOMemoryDirectionIn        = 0x00000001,
    kIOMemoryDirectionOut       = 0x00000002,
    kIOMemoryDirectionOutIn     = kIOMemoryDirectionIn | kIOMemoryDirectionOut,
    kIOMemoryDirectionInOut     = kIOMemoryDirectionOutIn,
    kIOMemoryDisableCopyOnWrite = 0x00000010,
};

// CreateMapping options.
enum {
    kIOMemoryMapFixedAddress          = 0x00000001,
    kIOMemoryMapReadOnly              = 0x00000002,
    kIOMemoryMapGuardedMask           = 0x0000001C,
    kIOMemoryMapGuardedDefault        = 0x00000000,
    kIOMemoryMapGuardedNone           = 0x00000004,
    kIOMemoryMapGuardedSmall          = 0x00000008,
    kIOMemoryMapGuardedLarge          = 0x0000000C,
    kIOMemoryMapCacheModeDefault      = 0x00000000,
    kIOMemoryMapCacheModeInhibit      = 0x00000100,
    kIOMemoryMapCacheModeCopyback     = 0x00000200,
    kIOMemoryMapCacheModeWriteThrough = 0x00000400,
    kIOMemoryMapCacheModeRealTime     = 0x00000800,
};

struct IOAddressSegment {
    uint64_t address;
    uint64_t length;
};

class IOMemoryDescriptor : public OSObject
{
public:
    kern_return_t GetLength(uint64_t *returnLength);

    // address: only with kIOMemoryMapFixedAddress, else 0. offset: 0 for the start.
    // length: 0 for all of it. alignment: "Only zero for no alignment is supported" (XNU).
    // map comes back with a retain count of 1: release it when done.
    virtual kern_return_t CreateMapping(uint64_t options, uint64_t address, uint64_t offset,
                                        uint64_t length, uint64_t alignment, IOMemoryMap **map);

    static kern_return_t CreateSubMemoryDescriptor(uint64_t memoryDescriptorCreateOptions,
                                                   uint64_t offset, uint64_t length,
                                                   IOMemoryDescriptor *ofDescriptor,
                                                   IOMemoryDescriptor **memory);  // DriverKit 20.0+

    // UNCERTAIN whether a dext may call this: XNU's .iig puts Map under "private:", while
    // Apple's documentation lists it ("Maps memory internally.") and driver code calls it,
    // e.g. Map(0, 0, 0, IOVMPageSize, &address, &length). Declared public here.
    kern_return_t Map(uint64_t options, uint64_t address, uint64_t length, uint64_t alignment,
                      uint64_t *returnAddress, uint64_t *returnLength);
};

#endif
