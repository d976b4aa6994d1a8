"""The simulated DriverKit framework, kernel side: Apple's names only.

============  ==============================================================================
``service``   ``OSObject``, ``IOService``, ``OSData``, ``OSAction``
``memory``    ``IOMemoryDescriptor``, ``IOBufferMemoryDescriptor``, ``IOMemoryMap``
``dispatch``  ``IODispatchQueue``, ``IODataQueueDispatchSource``
``userclient``  ``IOUserClient``: dispatch checks, ``AsyncCompletion``, the one boundary
============  ==============================================================================

The ``kern_return_t`` codes (``IOReturn.h``) live in :mod:`vethlab.ioreturn`, shared by every
layer, as the header is shared by the kernel, DriverKit and apps.
"""
