// vethlab's stub of <DriverKit/OSAction.h>, for type-checking only: NOT Apple's header.
// Written from XNU's iokit/DriverKit/OSAction.iig. An OSAction is created by the methods iig
// generates for a dext's own class (CreateAction<Method>), so none of its Create calls is here.
#ifndef VETHLAB_STUB_DRIVERKIT_OSACTION_H
#define VETHLAB_STUB_DRIVERKIT_OSACTION_H

#include <DriverKit/OSObject.h>

class OSAction : public OSObject
{
public:
    void *GetReference();
    // Apple's Cancel takes a block, ^{ ... }; g++ has no blocks, so the stub takes a function.
    // (A difference of this stub, not of the API.)
    kern_return_t Cancel(void (*handler)(void));
};

#endif
