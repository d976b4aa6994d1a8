// vethlab's stub of <DriverKit/IODataQueueDispatchSource.h>, for type-checking only: NOT
// Apple's header. Written from XNU's iokit/DriverKit/IODataQueueDispatchSource.iig and
// IODispatchSource.iig; the block-taking calls (Enqueue, Dequeue, Peek) are left out.
#ifndef VETHLAB_STUB_DRIVERKIT_IODATAQUEUEDISPATCHSOURCE_H
#define VETHLAB_STUB_DRIVERKIT_IODATAQUEUEDISPATCHSOURCE_H

#include <DriverKit/OSAction.h>

class IODispatchSource : public OSObject
{
public:
    virtual kern_return_t SetEnable(bool enable);
};

class IODataQueueDispatchSource : public IODispatchSource
{
public:
    // "set the handler block to run when the queue becomes non-empty" (edge-triggered)
    virtual kern_return_t SetDataAvailableHandler(OSAction *action);
    bool IsDataAvailable(void);
};

#endif
