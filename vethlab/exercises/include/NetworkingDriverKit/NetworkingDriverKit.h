// vethlab's stub of <NetworkingDriverKit/NetworkingDriverKit.h>, for type-checking only: NOT
// Apple's header. vethlab's declarations of the NetworkingDriverKit names its notebooks use,
// written from Apple's documentation: declarations only, no behaviour.
#ifndef VETHLAB_STUB_NDK_NETWORKINGDRIVERKIT_H
#define VETHLAB_STUB_NDK_NETWORKINGDRIVERKIT_H

#include <NetworkingDriverKit/IOUserNetworkTypes.h>
#include <NetworkingDriverKit/IOUserNetworkPacket.h>
#include <NetworkingDriverKit/IOUserNetworkPacketBufferPool.h>
#include <NetworkingDriverKit/IOUserNetworkPacketQueue.h>
#include <NetworkingDriverKit/IOUserNetworkEthernet.h>

#endif
