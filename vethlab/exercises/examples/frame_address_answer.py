"""frame_address, answered: the buffer's base plus the data offset.

With PoolFlagMapToDext, getDataVirtualAddress() is the buffer's address in the dext. Without
it, the pool is mapped nowhere in the dext but where the dext mapped it itself, and
getDataVirtualAddress() is the buffer's offset in the pool: add the dext's own mapping.
The frame starts getDataOffset() bytes into the buffer (not GetHeadroom() bytes).
"""


def frame_address(packet, pool):
    base = 0 if pool.map_to_dext else pool.address
    return base + packet.getDataVirtualAddress() + packet.getDataOffset()
