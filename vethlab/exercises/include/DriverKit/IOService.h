// vethlab's stub of <DriverKit/IOService.h>, for type-checking only: NOT Apple's header.
// Written from Apple's DriverKit documentation and XNU's iokit/DriverKit/IOService.iig.
#ifndef VETHLAB_STUB_DRIVERKIT_IOSERVICE_H
#define VETHLAB_STUB_DRIVERKIT_IOSERVICE_H

#include <DriverKit/OSObject.h>

class IOUserClient;
typedef char IOPropertyName[128];

#define kIOServiceDefaultQueueName "Default"

class IOService : public OSObject
{
public:
    virtual kern_return_t Start(IOService *provider);
    virtual kern_return_t Stop(IOService *provider);
    virtual kern_return_t RegisterService();
    virtual kern_return_t SetDispatchQueue(const IODispatchQueueName name,
                                           IODispatchQueue *queue) override;
    virtual kern_return_t CopyDispatchQueue(const IODispatchQueueName name,
                                            IODispatchQueue **queue) override;
    virtual kern_return_t SetPowerState(uint32_t powerFlags);
    // IOServiceOpen(service, task, type, &connect) in the app reaches this with its type.
    virtual kern_return_t NewUserClient(uint32_t type, IOUserClient **userClient);
    // Creates the service that the properties under propertiesKey in the dext's Info.plist
    // describe (a dext's NewUserClient creates its user client this way).
    virtual kern_return_t Create(IOService *provider, const IOPropertyName propertiesKey,
                                 IOService **result);
    virtual kern_return_t Terminate(uint64_t options);
};

#endif
