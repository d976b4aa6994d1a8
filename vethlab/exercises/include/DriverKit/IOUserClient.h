// vethlab's stub of <DriverKit/IOUserClient.h>, for type-checking only: NOT Apple's header.
// Written from Apple's DriverKit documentation and XNU's iokit/DriverKit/IOUserClient.iig
// (xnu-11417.101.15); the constants are Apple's values.
#ifndef VETHLAB_STUB_DRIVERKIT_IOUSERCLIENT_H
#define VETHLAB_STUB_DRIVERKIT_IOUSERCLIENT_H

#include <DriverKit/IOMemoryDescriptor.h>
#include <DriverKit/IOService.h>
#include <DriverKit/OSAction.h>
#include <DriverKit/OSData.h>

enum { kIOUserClientScalarArrayCountMax = 16 };
typedef uint64_t IOUserClientScalarArray[kIOUserClientScalarArrayCountMax];
enum { kIOUserClientAsyncReferenceCountMax = 16 };
typedef uint64_t IOUserClientAsyncReferenceArray[kIOUserClientAsyncReferenceCountMax];
enum { kIOUserClientAsyncArgumentsCountMax = 16 };
typedef uint64_t IOUserClientAsyncArgumentsArray[kIOUserClientAsyncArgumentsCountMax];

enum { kIOUserClientMemoryReadOnly = 0x00000001 };  // CopyClientMemoryForType options
#define kIOUserClientQueueNameExternalMethod "IOUserClientQueueExternalMethod"
enum { kIOUserClientVariableStructureSize = 0xffffffff };
enum { kIOUserClientMethodArgumentsCurrentVersion = 2 };

// What ExternalMethod receives. Any field may be NULL if the caller passed nothing.
struct IOUserClientMethodArguments {
    uint64_t version;
    uint64_t selector;
    OSAction *completion;                    // set for an asynchronous call
    const uint64_t *scalarInput;
    uint32_t scalarInputCount;
    OSData *structureInput;                  // up to 4096 bytes
    IOMemoryDescriptor *structureInputDescriptor;  // larger ones; structureInput is then NULL
    uint64_t *scalarOutput;
    uint32_t scalarOutputCount;
    OSData *structureOutput;                 // set by the driver; the system releases it
    IOMemoryDescriptor *structureOutputDescriptor;
    uint64_t structureOutputMaximumSize;     // or kIOUserClientVariableStructureSize
    uint64_t __reserved[30];
};

typedef kern_return_t (*IOUserClientMethodFunction)(OSObject *target, void *reference,
                                                    IOUserClientMethodArguments *arguments);

// One entry per selector. A count or size equal to kIOUserClientVariableStructureSize is not
// checked; otherwise a mismatch fails the call with kIOReturnBadArgument.
struct IOUserClientMethodDispatch {
    IOUserClientMethodFunction function;
    uint32_t checkCompletionExists;          // 1: must be set, 0: must not, -1U: either
    uint32_t checkScalarInputCount;
    uint32_t checkStructureInputSize;
    uint32_t checkScalarOutputCount;
    uint32_t checkStructureOutputSize;
};

class IOUserClient : public IOService
{
public:
    // dispatch is NULL when the call arrives; pass &table[selector] to super::ExternalMethod.
    virtual kern_return_t ExternalMethod(uint64_t selector, IOUserClientMethodArguments *arguments,
                                         const IOUserClientMethodDispatch *dispatch,
                                         OSObject *target, void *reference);
    // At most 16 values of asyncData.
    virtual void AsyncCompletion(OSAction *action, IOReturn status,
                                 const IOUserClientAsyncArgumentsArray asyncData,
                                 uint32_t asyncDataCount) = 0;
    // Called for IOConnectMapMemory64(); one reference to *memory is consumed by the caller.
    virtual kern_return_t CopyClientMemoryForType(uint64_t type, uint64_t *options,
                                                  IOMemoryDescriptor **memory) = 0;
    virtual kern_return_t CopyClientEntitlements(OSDictionary **entitlements);
};

#endif
