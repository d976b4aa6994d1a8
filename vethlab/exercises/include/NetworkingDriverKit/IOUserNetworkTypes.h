// vethlab's stub of <NetworkingDriverKit/IOUserNetworkTypes.h>, for type-checking only: NOT
// Apple's header. Written from Apple's NetworkingDriverKit documentation and the values in
// Apple's IOUserNetworkTypes.h; only the names vethlab models.
#ifndef VETHLAB_STUB_NDK_IOUSERNETWORKTYPES_H
#define VETHLAB_STUB_NDK_IOUSERNETWORKTYPES_H

#include <DriverKit/DriverKit.h>

// The deprecated MAC address type; newer calls take ether_addr_t.
struct IOUserNetworkMACAddress {
    uint8_t octet[6];
};
// UNCERTAIN where DriverKit declares ether_addr_t; its layout is six bytes, as in <net/ethernet.h>.
typedef struct ether_addr {
    uint8_t octet[6];
} ether_addr_t;

typedef uint32_t IOUserNetworkMediaType;
typedef uint32_t IOUserNetworkLinkStatus;
typedef uint32_t IOUserNetworkLinkQuality;

enum {
    kIOUserNetworkLinkStatusInvalid     = 0x0,
    kIOUserNetworkLinkStatusInactive    = 0x1,
    kIOUserNetworkLinkStatusActive      = 0x3,
    kIOUserNetworkLinkStatusWakeSameNet = 0x4,
};

enum {
    kIOUserNetworkLinkQualityOff     = -2,
    kIOUserNetworkLinkQualityUnknown = -1,
    kIOUserNetworkLinkQualityBad     = 10,
    kIOUserNetworkLinkQualityPoor    = 50,
    kIOUserNetworkLinkQualityGood    = 100,
};

enum {
    kIOUserNetworkMediaEthernetAuto      = 0x20,
    kIOUserNetworkMediaEthernetManual    = 0x21,
    kIOUserNetworkMediaEthernetNone      = 0x22,
    kIOUserNetworkMediaEthernet10BaseT   = 0x23,
    kIOUserNetworkMediaEthernet100BaseTX = 0x26,
    kIOUserNetworkMediaEthernet1000BaseT = 0x30,
    kIOUserNetworkMediaEthernet10GBaseT  = 0x35,
    kIOUserNetworkMediaEthernet2500BaseT = 0x36,
    kIOUserNetworkMediaEthernet5000BaseT = 0x37,
};

enum {
    kIOUserNetworkMediaOptionFullDuplex  = 0x00100000,
    kIOUserNetworkMediaOptionHalfDuplex  = 0x00200000,
    kIOUserNetworkMediaOptionFlowControl = 0x00400000,
    kIOUserNetworkMediaOptionEEE         = 0x00800000,
    kIOUserNetworkMediaOptionLoopback    = 0x08000000,
};

// UNCERTAIN: the width of the direction type is not in vethlab's sources (the SDK's packet
// state record stores it in one byte); the values are Apple's.
typedef uint8_t IOUserNetworkPacketDirection;
enum {
    kIOUserNetworkPacketDirectionNone = 0,
    kIOUserNetworkPacketDirectionTx   = 1,
    kIOUserNetworkPacketDirectionRx   = 2,
};

#endif
