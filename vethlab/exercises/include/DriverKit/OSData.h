// vethlab's stub of <DriverKit/OSData.h>, for type-checking only: NOT Apple's header.
// Written from Apple's DriverKit documentation (OSData: withBytes, getLength, ...).
#ifndef VETHLAB_STUB_DRIVERKIT_OSDATA_H
#define VETHLAB_STUB_DRIVERKIT_OSDATA_H

#include <DriverKit/OSObject.h>

typedef OSData *OSDataPtr;

class OSData : public OSObject
{
public:
    // Each returns NULL on failure, otherwise a new OSData with a reference count of 1.
    static OSDataPtr withBytes(const void *bytes, size_t numBytes);  // copies the bytes
    static OSDataPtr withBytesNoCopy(void *bytes, size_t numBytes);
    static OSDataPtr withCapacity(uint32_t capacity);

    size_t getLength() const;
    const void *getBytesNoCopy() const;
    const void *getBytesNoCopy(size_t start, size_t numBytes) const;
};

#endif
