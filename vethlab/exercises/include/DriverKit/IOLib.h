// vethlab's stub of <DriverKit/IOLib.h>, for type-checking only: NOT Apple's header.
// Only IOVMPageSize, from Apple's DriverKit documentation.
#ifndef VETHLAB_STUB_DRIVERKIT_IOLIB_H
#define VETHLAB_STUB_DRIVERKIT_IOLIB_H

#include <stdint.h>

// "The number of bytes in a virtual memory page": 16384 on Apple silicon, 4096 on Intel.
extern uint64_t IOVMPageSize;

#endif
