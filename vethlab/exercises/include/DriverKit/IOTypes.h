// vethlab's stub of <DriverKit/IOTypes.h>, for type-checking only: NOT Apple's header.
// Written from XNU's iokit/DriverKit/IOTypes.h; only the types vethlab's snippets use.
#ifndef VETHLAB_STUB_DRIVERKIT_IOTYPES_H
#define VETHLAB_STUB_DRIVERKIT_IOTYPES_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t IOOptionBits;
typedef uint64_t IOByteCount;
typedef uint64_t IOVirtualAddress;

#endif
