// vethlab's stub of <NetworkingDriverKit/IOUserNetworkEthernet.h>, for type-checking only: NOT
// Apple's header. Written from Apple's NetworkingDriverKit documentation and the generated SDK
// header (iig DriverKit-107.100.6). The stack calls the lowercase methods; a dext that
// overrides only a deprecated capitalised one is never called (observed by driver authors).
#ifndef VETHLAB_STUB_NDK_IOUSERNETWORKETHERNET_H
#define VETHLAB_STUB_NDK_IOUSERNETWORKETHERNET_H

#include <NetworkingDriverKit/IOUserNetworkPacketQueue.h>

class IOUserNetworkEthernet : public IOService
{
public:
    kern_return_t SetTxPacketHeadroom(uint16_t numBytes);
    kern_return_t SetTxPacketTailroom(uint16_t numBytes);
    kern_return_t SetWakeOnMagicPacketSupport(bool isSupported);
    uint16_t getTxDataOffset();  // DriverKit 22.0+

    // queues: the four packet queues, in any order; queueCount must be 4.
    virtual kern_return_t RegisterEthernetInterface(IOUserNetworkMACAddress macAddress,
                                                    IOUserNetworkPacketBufferPool *pool,
                                                    IOUserNetworkPacketQueue **queues,
                                                    uint32_t queueCount);
    kern_return_t RegisterEthernetInterface(ether_addr_t macAddress,  // DriverKit 21.0+
                                            IOUserNetworkPacketBufferPool *pool,
                                            IOUserNetworkPacketQueue **queues, uint32_t queueCount);

    virtual kern_return_t ReportAvailableMediaTypes(const IOUserNetworkMediaType *mediaTypes,
                                                    uint32_t count);
    virtual kern_return_t ReportLinkStatus(IOUserNetworkLinkStatus linkStatus,
                                           IOUserNetworkMediaType activeMediaType);
    virtual kern_return_t ReportLinkQuality(IOUserNetworkLinkQuality linkQuality);

    // What a dext implements.
    virtual kern_return_t SetInterfaceEnable(bool isEnable) = 0;
    IOReturn setInterfaceEnable(bool isEnable);
    virtual kern_return_t SetPromiscuousModeEnable(bool enable) = 0;
    virtual kern_return_t SetAllMulticastModeEnable(bool enable) = 0;
    virtual kern_return_t setMulticastAddresses(const ether_addr_t *addresses, uint32_t count);
    virtual kern_return_t SelectMediaType(IOUserNetworkMediaType mediaType) = 0;
    virtual kern_return_t SetWakeOnMagicPacketEnable(bool enable) = 0;
    virtual kern_return_t SetMTU(uint32_t mtu) = 0;
    virtual kern_return_t GetMaxTransferUnit(uint32_t *mtu) = 0;  // the largest MTU
    virtual kern_return_t SetHardwareAssists(uint32_t hardwareAssists) = 0;
    virtual kern_return_t GetHardwareAssists(uint32_t *hardwareAssists) = 0;
    virtual kern_return_t SetPowerState(uint32_t powerFlags) override;
};

#endif
