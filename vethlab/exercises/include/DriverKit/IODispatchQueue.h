// vethlab's stub of <DriverKit/IODispatchQueue.h>, for type-checking only: NOT Apple's header.
// Written from XNU's iokit/DriverKit/IODispatchQueue.iig. Apple's DispatchAsync and
// DispatchSync take blocks (^{ ... }), which g++ cannot compile: only the _f forms are here.
#ifndef VETHLAB_STUB_DRIVERKIT_IODISPATCHQUEUE_H
#define VETHLAB_STUB_DRIVERKIT_IODISPATCHQUEUE_H

#include <DriverKit/OSObject.h>

typedef void (*IODispatchFunction)(void *context);

class IODispatchQueue : public OSObject
{
public:
    static kern_return_t Create(const IODispatchQueueName name, uint64_t options, uint64_t priority,
                                IODispatchQueue **queue);
    bool OnQueue();
    void DispatchAsync_f(void *context, IODispatchFunction function);
    void DispatchSync_f(void *context, IODispatchFunction function);
};

#endif
