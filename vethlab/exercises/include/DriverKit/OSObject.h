// vethlab's stub of <DriverKit/OSObject.h>, for type-checking only: NOT Apple's header.
// Written from Apple's DriverKit documentation and XNU's iokit/DriverKit/OSObject.iig.
// The .iig annotations (LOCAL, LOCALONLY, TYPE(...), ...) are left out: they tell Apple's
// iig tool how to route a call, and change nothing for a type check.
#ifndef VETHLAB_STUB_DRIVERKIT_OSOBJECT_H
#define VETHLAB_STUB_DRIVERKIT_OSOBJECT_H

#include <DriverKit/IOReturn.h>
#include <DriverKit/IOTypes.h>

class OSObject;
class OSData;
class OSDictionary;
class OSArray;
class OSString;
class IODispatchQueue;
typedef OSObject *OSObjectPtr;
typedef char IODispatchQueueName[256];

class OSObject
{
public:
    virtual bool init();
    virtual void free();
    virtual void retain() const;   // in Apple's headers these two come from OSMetaClassBase
    virtual void release() const;
    virtual kern_return_t SetDispatchQueue(const IODispatchQueueName name,
                                           IODispatchQueue *queue) = 0;
    virtual kern_return_t CopyDispatchQueue(const IODispatchQueueName name,
                                            IODispatchQueue **queue) = 0;
};

// Releases an object if it is not NULL, then sets the pointer to NULL.
#define OSSafeReleaseNULL(inst) \
    do { if ((inst) != nullptr) { (inst)->release(); } (inst) = nullptr; } while (0)

// Apple's macro goes through OSMetaClass; for a type check, dynamic_cast says the same.
#define OSDynamicCast(type, inst) (dynamic_cast<type *>(inst))

#endif
