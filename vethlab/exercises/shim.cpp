// vethlab's shim for `vethlab check`: the packet and queue methods a C++ answer calls, each
// asking the simulation (vethlab/exercises/_child.py, through ctypes callbacks) for the value
// the simulated packet holds. Compiled and linked with the answer into one shared library;
// the child process that loads it runs one case at a time. NOT Apple's code.
#include <vethlab/exercise.h>

#include <signal.h>
#include <unistd.h>

// The packet's fields, by number: the child answers vethlab_get(field) from the simulated
// packet. Keep in step with FIELDS in _child.py.
enum {
    kFieldDataVirtualAddress = 0,
    kFieldDataIOVirtualAddress = 1,
    kFieldMemorySegmentOffset = 2,
    kFieldDataLength = 3,
    kFieldDataOffset = 4,
    kFieldHeadroom = 5,
    kFieldLinkHeaderLength = 6,
    kFieldTimestamp = 7,
    kFieldCompletionStatus = 8,
};
// What the answer did that the child counts: keep in step with EVENTS in _child.py.
enum {
    kEventEnqueue = 0,      // the packet was enqueued on the TX completion queue
    kEventUnsupported = 1,  // a method the checker does not model was called
};

extern "C" {
typedef uint64_t (*vethlab_get_fn)(int field);
typedef void (*vethlab_set_fn)(int field, uint64_t value);
typedef void (*vethlab_event_fn)(int event);
}

static vethlab_get_fn get_field;
static vethlab_set_fn set_field;
static vethlab_event_fn event;

uint64_t IOVMPageSize = 16384;

// -- OSObject ----------------------------------------------------------------------------------
bool OSObject::init() { return true; }
void OSObject::free() {}
void OSObject::retain() const {}
void OSObject::release() const {}

// -- IOUserNetworkPacket: every accessor asks the simulation -----------------------------------
uint64_t IOUserNetworkPacket::getDataVirtualAddress() const { return get_field(kFieldDataVirtualAddress); }
uint64_t IOUserNetworkPacket::getDataIOVirtualAddress() const { return get_field(kFieldDataIOVirtualAddress); }
IOUserNetworkPacketBufferPool *IOUserNetworkPacket::getPacketBufferPool() const
{
    event(kEventUnsupported);
    return nullptr;
}
uint64_t IOUserNetworkPacket::getMemorySegmentOffset() const { return get_field(kFieldMemorySegmentOffset); }
kern_return_t IOUserNetworkPacket::setDataLength(uint32_t length)
{
    set_field(kFieldDataLength, length);
    return kIOReturnSuccess;
}
uint32_t IOUserNetworkPacket::getDataLength() const { return (uint32_t)get_field(kFieldDataLength); }
kern_return_t IOUserNetworkPacket::setDataOffset(uint16_t offset)
{
    set_field(kFieldDataOffset, offset);
    return kIOReturnSuccess;
}
uint16_t IOUserNetworkPacket::getDataOffset() const { return (uint16_t)get_field(kFieldDataOffset); }
kern_return_t IOUserNetworkPacket::setDataOffsetAndLength(uint16_t offset, uint32_t length)
{
    set_field(kFieldDataOffset, offset);
    set_field(kFieldDataLength, length);
    return kIOReturnSuccess;
}
size_t IOUserNetworkPacket::getDataOff() const { return (size_t)get_field(kFieldDataOffset); }
IOReturn IOUserNetworkPacket::setDataOff(size_t offset) { return setDataOffset((uint16_t)offset); }
IOReturn IOUserNetworkPacket::setDataOffAndLen(size_t offset, size_t length)
{
    return setDataOffsetAndLength((uint16_t)offset, (uint32_t)length);
}
uint8_t IOUserNetworkPacket::getLinkHeaderLength() const { return (uint8_t)get_field(kFieldLinkHeaderLength); }
IOReturn IOUserNetworkPacket::setLinkHeaderLength(uint8_t length)
{
    set_field(kFieldLinkHeaderLength, length);
    return kIOReturnSuccess;
}
void IOUserNetworkPacket::setCompletionStatus(IOReturn status) { set_field(kFieldCompletionStatus, (uint32_t)status); }
IOReturn IOUserNetworkPacket::prepareWithQueue(IOUserNetworkPacketQueue *, IOUserNetworkPacketDirection)
{
    return kIOReturnSuccess;
}
IOReturn IOUserNetworkPacket::getTimestamp(uint64_t *timestamp) const
{
    *timestamp = get_field(kFieldTimestamp);
    return kIOReturnSuccess;
}
IOReturn IOUserNetworkPacket::setTimestamp(uint64_t timestamp)
{
    set_field(kFieldTimestamp, timestamp);
    return kIOReturnSuccess;
}
kern_return_t IOUserNetworkPacket::SetDataLength(uint32_t length) { return setDataLength(length); }
kern_return_t IOUserNetworkPacket::GetDataLength(uint32_t *length) const
{
    *length = getDataLength();
    return kIOReturnSuccess;
}
kern_return_t IOUserNetworkPacket::SetDataOffset(uint16_t offset) { return setDataOffset(offset); }
kern_return_t IOUserNetworkPacket::GetDataOffset(uint16_t *offset) const
{
    *offset = getDataOffset();
    return kIOReturnSuccess;
}
kern_return_t IOUserNetworkPacket::SetHeadroom(uint8_t headroom)
{
    set_field(kFieldHeadroom, headroom);
    return kIOReturnSuccess;
}
kern_return_t IOUserNetworkPacket::GetHeadroom(uint8_t *headroom) const
{
    *headroom = (uint8_t)get_field(kFieldHeadroom);
    return kIOReturnSuccess;
}
kern_return_t IOUserNetworkPacket::SetLinkHeaderLength(uint8_t length) { return setLinkHeaderLength(length); }
kern_return_t IOUserNetworkPacket::GetLinkHeaderLength(uint8_t *length) const
{
    *length = getLinkHeaderLength();
    return kIOReturnSuccess;
}
kern_return_t IOUserNetworkPacket::GetMemorySegmentOffset(uint64_t *offset) const
{
    *offset = get_field(kFieldMemorySegmentOffset);
    return kIOReturnSuccess;
}
kern_return_t IOUserNetworkPacket::GetPacketBufferPool(IOUserNetworkPacketBufferPool **pool) const
{
    event(kEventUnsupported);
    *pool = nullptr;
    return kIOReturnUnsupported;
}

// -- IOUserNetworkPacketQueue: only completion is modelled -------------------------------------
kern_return_t IOUserNetworkPacketQueue::CopyDataQueue(IODataQueueDispatchSource **)
{
    event(kEventUnsupported);
    return kIOReturnUnsupported;
}
kern_return_t IOUserNetworkPacketQueue::EnqueuePacket(IOUserNetworkPacket *)
{
    event(kEventEnqueue);
    return kIOReturnSuccess;
}
uint32_t IOUserNetworkPacketQueue::EnqueuePackets(IOUserNetworkPacket **, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        event(kEventEnqueue);
    }
    return count;
}
kern_return_t IOUserNetworkPacketQueue::DequeuePacket(IOUserNetworkPacket **packet)
{
    *packet = nullptr;
    return kIOReturnUnderrun;
}
uint32_t IOUserNetworkPacketQueue::DequeuePackets(IOUserNetworkPacket **, uint32_t) { return 0; }
IOReturn IOUserNetworkPacketQueue::enqueuePackets(IOUserNetworkPacket **, uint32_t count, IOOptionBits)
{
    for (uint32_t i = 0; i < count; i++) {
        event(kEventEnqueue);
    }
    return kIOReturnSuccess;
}
IOReturn IOUserNetworkPacketQueue::requestDequeue(void *, IOOptionBits) { return kIOReturnSuccess; }
IOReturn IOUserNetworkPacketQueue::setEnable(bool) { return kIOReturnSuccess; }

namespace {

class ShimPacket final : public IOUserNetworkPacket
{
public:
    kern_return_t SetDispatchQueue(const IODispatchQueueName, IODispatchQueue *) override
    {
        return kIOReturnUnsupported;
    }
    kern_return_t CopyDispatchQueue(const IODispatchQueueName, IODispatchQueue **) override
    {
        return kIOReturnUnsupported;
    }
};

class ShimCompletionQueue final : public IOUserNetworkTxCompletionQueue
{
public:
    kern_return_t SetEnable(bool) override { return kIOReturnSuccess; }
    kern_return_t SetDispatchQueue(const IODispatchQueueName, IODispatchQueue *) override
    {
        return kIOReturnUnsupported;
    }
    kern_return_t CopyDispatchQueue(const IODispatchQueueName, IODispatchQueue **) override
    {
        return kIOReturnUnsupported;
    }
};

ShimPacket the_packet;
ShimCompletionQueue the_completion_queue;

}  // namespace

// -- what the child calls ------------------------------------------------------------------------
extern "C" {

void vethlab_install(vethlab_get_fn get, vethlab_set_fn set, vethlab_event_fn on_event)
{
    get_field = get;
    set_field = set;
    event = on_event;
}

void vethlab_set_page_size(uint64_t page_size) { IOVMPageSize = page_size; }

// A wild pointer: before the case's process dies, say where it read or wrote, as "!" and 16 hex
// digits on fault_fd, so that the checker can tell a pool offset used as an address (trap 5)
// from any other fault. Only write() here: it is async-signal-safe. SA_RESETHAND: returning
// faults again, and the default action ends the process with the same signal.
static int fault_fd = -1;

static void on_fault(int, siginfo_t *info, void *)
{
    char text[17] = {'!'};
    uint64_t address = (uint64_t)(uintptr_t)info->si_addr;
    for (int i = 16; i >= 1; i--, address >>= 4) {
        text[i] = "0123456789abcdef"[address & 0xF];
    }
    if (write(fault_fd, text, sizeof(text)) < 0) {
        // nothing more can be done in a signal handler
    }
}

void vethlab_report_faults(int fd)
{
    fault_fd = fd;
    struct sigaction action = {};
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, nullptr);
    sigaction(SIGBUS, &action, nullptr);
}

#if VETHLAB_EXERCISE == 1
uint64_t vethlab_frame_address(const vethlab_pool *pool) { return frame_address(&the_packet, pool); }
#elif VETHLAB_EXERCISE == 2
int32_t vethlab_get_packet(const vethlab_pool *pool, GetPacket_Output *output)
{
    return (int32_t)get_packet(&the_packet, pool, &the_completion_queue, output);
}
#endif
}
