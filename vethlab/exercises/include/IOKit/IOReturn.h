// vethlab's stub of <IOKit/IOReturn.h>, for type-checking only: NOT Apple's header.
// The app's IOKit.framework and DriverKit use the same codes (both copy XNU's IOReturn.h), so
// this stub reuses vethlab's DriverKit stub.
#ifndef VETHLAB_STUB_IOKIT_IORETURN_H
#define VETHLAB_STUB_IOKIT_IORETURN_H

#include <DriverKit/IOReturn.h>

#endif
