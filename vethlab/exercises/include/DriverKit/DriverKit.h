// vethlab's stub of <DriverKit/DriverKit.h>, for type-checking only: NOT Apple's header.
// These headers are vethlab's declarations of the DriverKit names its notebooks use, written
// from Apple's documentation and XNU's iokit/DriverKit sources: declarations only, no
// behaviour, and far from all of DriverKit. Where a signature is uncertain, the header says so.
#ifndef VETHLAB_STUB_DRIVERKIT_DRIVERKIT_H
#define VETHLAB_STUB_DRIVERKIT_DRIVERKIT_H

#include <DriverKit/IOReturn.h>
#include <DriverKit/IOTypes.h>
#include <DriverKit/IOLib.h>
#include <DriverKit/OSObject.h>
#include <DriverKit/OSData.h>
#include <DriverKit/OSAction.h>
#include <DriverKit/IOService.h>
#include <DriverKit/IODispatchQueue.h>
#include <DriverKit/IODataQueueDispatchSource.h>
#include <DriverKit/IOMemoryDescriptor.h>
#include <DriverKit/IOMemoryMap.h>
#include <DriverKit/IOBufferMemoryDescriptor.h>
#include <DriverKit/IODMACommand.h>
#include <DriverKit/IOUserClient.h>

#endif
