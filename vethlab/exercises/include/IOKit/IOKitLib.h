// vethlab's stub of <IOKit/IOKitLib.h> (the app side, IOKit.framework), for type-checking only:
// NOT Apple's header. Written from IOKitUser's IOKitLib.h (Apple's open source, as copied by
// Darling) and XNU's iokit/IOKit headers; only the calls vethlab models. The Mach and
// CoreFoundation types below are stand-ins with the right shape, not Apple's definitions.
#ifndef VETHLAB_STUB_IOKIT_IOKITLIB_H
#define VETHLAB_STUB_IOKIT_IOKITLIB_H

#include <stddef.h>
#include <stdint.h>
#include <IOKit/IOReturn.h>

#ifdef __cplusplus
extern "C" {
#endif

// Mach types (<mach/...>): a port is a 32-bit name.
typedef unsigned int mach_port_t;
typedef mach_port_t task_port_t;
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_size_t;
extern mach_port_t mach_task_self_;
#define mach_task_self() mach_task_self_
#define MACH_PORT_NULL ((mach_port_t)0)

// IOKit object handles (<IOKit/IOTypes.h>).
typedef uint32_t IOOptionBits;
typedef mach_port_t io_object_t;
typedef io_object_t io_connect_t;
typedef io_object_t io_iterator_t;
typedef io_object_t io_service_t;
#define IO_OBJECT_NULL ((io_object_t)0)

// IOConnectMapMemory64 options (<IOKit/IOMapTypes.h>).
enum {
    kIOMapAnywhere = 0x00000001,
    kIOMapReadOnly = 0x00001000,
};

// Async references (<IOKit/OSMessageNotification.h>): the first slots are reserved for the
// callback and its refcon.
enum {
    kOSAsyncRef64Count = 8,
    kIOAsyncCalloutFuncIndex = 1,
    kIOAsyncCalloutRefconIndex = 2,
    kMaxAsyncArgs = 16,
};
typedef void (*IOAsyncCallback)(void *refcon, IOReturn result, void **args, uint32_t numArgs);

// Stand-ins for CoreFoundation and libdispatch types.
typedef const struct __CFDictionary *CFDictionaryRef;
typedef struct __CFDictionary *CFMutableDictionaryRef;
typedef struct __CFRunLoopSource *CFRunLoopSourceRef;
typedef struct dispatch_queue_s *dispatch_queue_t;

typedef struct IONotificationPort *IONotificationPortRef;

extern const mach_port_t kIOMainPortDefault;  // macOS 12+; older code: kIOMasterPortDefault

// Finding and opening the service.
CFMutableDictionaryRef IOServiceMatching(const char *name);
CFMutableDictionaryRef IOServiceNameMatching(const char *name);
// consumes one reference to matching
io_service_t IOServiceGetMatchingService(mach_port_t mainPort, CFDictionaryRef matching);
kern_return_t IOObjectRelease(io_object_t object);
// The dext's NewUserClient(type, ...) runs; its result comes back here.
kern_return_t IOServiceOpen(io_service_t service, task_port_t owningTask, uint32_t type,
                            io_connect_t *connect);
kern_return_t IOServiceClose(io_connect_t connect);  // destroys the handle: no IOObjectRelease

// Notifications: asynchronous completions arrive on this port.
IONotificationPortRef IONotificationPortCreate(mach_port_t mainPort);
void IONotificationPortDestroy(IONotificationPortRef notify);
void IONotificationPortSetDispatchQueue(IONotificationPortRef notify,
                                       dispatch_queue_t queue);  // macOS 10.6+
mach_port_t IONotificationPortGetMachPort(IONotificationPortRef notify);
CFRunLoopSourceRef IONotificationPortGetRunLoopSource(IONotificationPortRef notify);

// Calls. Structures up to 4096 bytes travel inline, larger ones out of line; at most 16
// scalars each way. On return *outputStructCnt is the size the dext sent back.
kern_return_t IOConnectCallMethod(mach_port_t connection, uint32_t selector,
                                  const uint64_t *input, uint32_t inputCnt,
                                  const void *inputStruct, size_t inputStructCnt,
                                  uint64_t *output, uint32_t *outputCnt,
                                  void *outputStruct, size_t *outputStructCnt);
kern_return_t IOConnectCallAsyncMethod(mach_port_t connection, uint32_t selector,
                                       mach_port_t wake_port,
                                       uint64_t *reference, uint32_t referenceCnt,
                                       const uint64_t *input, uint32_t inputCnt,
                                       const void *inputStruct, size_t inputStructCnt,
                                       uint64_t *output, uint32_t *outputCnt,
                                       void *outputStruct, size_t *outputStructCnt);
kern_return_t IOConnectCallStructMethod(mach_port_t connection, uint32_t selector,
                                        const void *inputStruct, size_t inputStructCnt,
                                        void *outputStruct, size_t *outputStructCnt);
kern_return_t IOConnectCallAsyncStructMethod(mach_port_t connection, uint32_t selector,
                                             mach_port_t wake_port,
                                             uint64_t *reference, uint32_t referenceCnt,
                                             const void *inputStruct, size_t inputStructCnt,
                                             void *outputStruct, size_t *outputStructCnt);
kern_return_t IOConnectCallScalarMethod(mach_port_t connection, uint32_t selector,
                                        const uint64_t *input, uint32_t inputCnt,
                                        uint64_t *output, uint32_t *outputCnt);
kern_return_t IOConnectCallAsyncScalarMethod(mach_port_t connection, uint32_t selector,
                                             mach_port_t wake_port,
                                             uint64_t *reference, uint32_t referenceCnt,
                                             const uint64_t *input, uint32_t inputCnt,
                                             uint64_t *output, uint32_t *outputCnt);

// Shared memory: the dext's CopyClientMemoryForType(memoryType, ...) supplies it.
kern_return_t IOConnectMapMemory64(io_connect_t connect, uint32_t memoryType, task_port_t intoTask,
                                   mach_vm_address_t *atAddress, mach_vm_size_t *ofSize,
                                   IOOptionBits options);
kern_return_t IOConnectUnmapMemory64(io_connect_t connect, uint32_t memoryType,
                                     task_port_t fromTask, mach_vm_address_t atAddress);

#ifdef __cplusplus
}
#endif

#endif
