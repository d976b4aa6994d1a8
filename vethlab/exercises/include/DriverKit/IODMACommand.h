// vethlab's stub of <DriverKit/IODMACommand.h>, for type-checking only: NOT Apple's header.
// Only the specification struct that IOUserNetworkPacketBufferPoolOptions embeds, written from
// XNU's iokit/DriverKit/IODMACommand.iig.
#ifndef VETHLAB_STUB_DRIVERKIT_IODMACOMMAND_H
#define VETHLAB_STUB_DRIVERKIT_IODMACOMMAND_H

#include <stdint.h>

enum {
    kIODMACommandSpecificationNoOptions = 0x00000000,
};

struct IODMACommandSpecification {
    uint64_t options;
    uint64_t maxAddressBits;
    uint64_t _resv[16];
};

#endif
