"""The simulated NetworkingDriverKit framework: Apple's names only.

============  ==============================================================================
``packet``    ``IOUserNetworkPacket``: offsets and lengths, both accessor families
``pool``      ``IOUserNetworkPacketBufferPool``: ``Create``, ``CreateWithOptions``, packets
``queues``    the four packet queues; the table of where a packet may move
``ethernet``  ``IOUserNetworkEthernet``: registration, media, link, MTU, TX headroom
============  ==============================================================================
"""
