# %% [markdown]
# # Exercises: write the code, and let the checker run it on every Mac
#
# The earlier notebooks showed the traps one at a time. Here you write the code yourself: a
# function that finds a frame in the pool, and the GetPacket that copies it into the
# question's struct. `vethlab.check` runs your function in every case of a matrix of Macs,
# pools and flows, says for each case whether you found the frame, by how many bytes you
# missed, and which trap explains the miss, and draws the pool's memory with your reads on it.
# Each exercise starts from code that falls into a trap, so you see what the checker says
# about it; the answer is folded away until you open it. The same checker runs C++ answers
# from the command line: `vethlab check answer.cpp`.
#
# Provenance, in the five labels of the earlier notebooks: the accessors and their signatures
# are **documented** by Apple; the buffer size the pool really uses comes from XNU's **source**;
# that `getDataVirtualAddress()` is a pool offset without `PoolFlagMapToDext`, and the 2-byte
# offset of native flows, are **observed**; the quirk that offsets use the requested stride is
# **reported**; pools of several segments in one descriptor are **modelled**.

# %%
# %matplotlib inline
import numpy as np

import vethlab
from vethlab import kIOReturnMessageTooLarge, kIOReturnSuccess  # noqa: F401 (for your get_packet)
from vethlab.cli import main as vethlab_command
from vethlab.exercises import EXAMPLES
from vethlab.exercises.cases import build_cases
from vethlab.traps import trap_title

# %% [markdown]
# ## The matrix
#
# Every answer runs in the same cases. Each case is one packet in slot 1 of a segment (slot 0
# reads right whatever the stride, so it could hide trap 1 (wrong stride)) of a pool filled by
# the host's
# network stack: first with longer frames that are recycled (their bytes stay, as "junk"), then
# with the frames that are read. The cases vary everything that moves a frame:

# %%
cases = build_cases("frame_address")
print(f"{len(cases)} cases of frame_address, {len(build_cases('get_packet'))} of get_packet")
for name in (
    "profile",
    "boot_segment_size",
    "requested_buffer_size",
    "segments",
    "flow",
    "quirk",
    "map_to_dext",
    "dext_mapped",
    "position",
):
    print(f"  {name:22} {sorted({getattr(c, name) for c in cases}, key=str)}")

# %% [markdown]
# `map_to_dext` says whether the dext created the pool with `PoolFlagMapToDext`;
# `dext_mapped` whether it also mapped the pool's memory descriptor itself, as the question's
# dext did with `Map(0, 0, 0, IOVMPageSize, …)`. A dext without the flag has always mapped the
# pool itself: otherwise it could not reach the bytes at all.
#
# ## Exercise 1: frame_address
#
# Write `frame_address(packet, pool)`: the address, in the dext, of the frame's first byte.
# `packet` is the simulated `IOUserNetworkPacket`, with both accessor families
# (`getDataVirtualAddress()`, `getDataOffset()`, `getMemorySegmentOffset()`, … and the
# question-era `GetHeadroom()`, `GetMemorySegmentOffset()`, …; C's out-parameters are return
# values). `pool` gives only what a dext knows in real code: `pool.address` (where the dext
# mapped the pool itself, or None), `pool.map_to_dext` and `pool.requested_buffer_size`.
#
# The question's first attempt: the mapping's address plus the segment offset.


# %%
def frame_address(packet, pool):
    return pool.address + packet.GetMemorySegmentOffset()


report = vethlab.check(frame_address)

# %% [markdown]
# Every case is wrong. Where the dext mapped the pool, the read is at least the data offset
# early (trap 2 (forgotten headroom / data offset)), and more for buffers past slot 0 with the
# quirk on (trap 1 (wrong stride)) or past the first segment (trap 4 (segment offset taken for
# a pool offset)). Where it did not, `pool.address` is None: there is nothing to add to, and
# the checker counts the case under trap 5 (pool not mapped to the dext), offsets with no
# mapping under them. The picture shows the first wrong case's pool: every buffer a row, what
# its bytes hold, and the reads that landed in it.
#
# The question's fix adds the headroom. Try it:


# %%
def frame_address(packet, pool):
    packet_head = packet.GetHeadroom()
    packet_offset = packet.GetMemorySegmentOffset()
    return pool.address + packet_offset + packet_head


report = vethlab.check(frame_address)
print({trap_title(n): len(c) for n, c in report.by_trap().items()})

# %% [markdown]
# Better, and it is right in exactly the cases the question's author could see: a pool the
# dext mapped itself, a BSD-socket frame (data offset = headroom), in the first segment, with
# the quirk off or a request the pool kept (2048). It still fails every native-flow frame
# (trap 3 (headroom used as the data offset): the data offset is the headroom + 2), every
# buffer past the first segment (trap 4 (segment offset taken for a pool offset)), with the
# quirk on every request that XNU's rule changed (trap 1 (wrong stride)), and every pool the
# dext did not map itself (trap 5 (pool not mapped to the dext)).
#
# Now write yours: replace the body of `frame_address` in the cell above and run it again.
# When every case is right, compare with the answer.
#
# <details><summary>Answer (open it when you have tried)</summary>
#
# The buffer's base is `getDataVirtualAddress()`, and the frame starts `getDataOffset()` bytes
# into it; the headroom is not added on top. Without `PoolFlagMapToDext` the pool is mapped
# nowhere in the dext but where the dext mapped it, and `getDataVirtualAddress()` is the
# buffer's offset in the pool (trap 5 (pool not mapped to the dext)), so the dext's own mapping
# is the base:
#
# ```python
# def frame_address(packet, pool):
#     base = 0 if pool.map_to_dext else pool.address
#     return base + packet.getDataVirtualAddress() + packet.getDataOffset()
# ```
#
# The same in C++, as `vethlab check` compiles it (`frame_address_answer.cpp` in
# `vethlab/exercises/examples/`):
#
# ```cpp
# #include <vethlab/exercise.h>
#
# uint64_t frame_address(IOUserNetworkPacket *packet, const vethlab_pool *pool)
# {
#     uint64_t base = pool->map_to_dext ? 0 : pool->address;
#     return base + packet->getDataVirtualAddress() + packet->getDataOffset();
# }
# ```
#
# </details>
#
# The example answers ship with vethlab; this cell checks the Python one without drawing:

# %%
report = vethlab.check(EXAMPLES / "frame_address_answer.py", draw=False)
assert report.all_passed

# %% [markdown]
# ## Exercise 2: get_packet
#
# Write `get_packet(packet, pool, completion, output, memory)`, the GetPacket selector's work:
# fill `output` (a `GetPacket_Output`: `output["packet_data"]`, 1600 bytes, and
# `output["packet_size"]`) with the packet's frame, read from the dext's memory with
# `memory.read(address, length)`, and complete the packet with
# `completion.EnqueuePacket(packet)`. `output` still holds an earlier frame's bytes, as a struct
# on the stack does. A frame longer than `packet_data` must be refused with a `kern_return_t`
# other than `kIOReturnSuccess`, without writing past the struct, and still completed.
#
# The question's GetPacket, with its fix's address:


# %%
def get_packet(packet, pool, completion, output, memory):
    output["packet_size"] = packet.getDataLength()
    address = pool.address + packet.GetMemorySegmentOffset() + packet.GetHeadroom()
    frame = memory.read(address, packet.getDataLength())
    output["packet_data"][: len(frame)] = np.frombuffer(frame, np.uint8)
    return kIOReturnSuccess


report = vethlab.check(get_packet)

# %% [markdown]
# No case is right. The picture shows where the copies were read from (the checker finds the
# copied bytes in the pool). Besides the address traps of exercise 1, the bytes after a short
# frame are the earlier frame's (trap 7 (whole struct returned): the struct was never zeroed), a
# frame over 1600 bytes does not fit (trap 6 (copy longer than packet_data): in C++ the `memcpy`
# runs past the struct; in Python numpy refuses), and the packet is never handed back (trap 12
# (packet never completed)). Write yours in the cell above.
#
# <details><summary>Answer (open it when you have tried)</summary>
#
# Zero the struct first, refuse what does not fit, copy only the frame, complete the packet
# whatever happens (`frame_address` is exercise 1's answer):
#
# ```python
# def get_packet(packet, pool, completion, output, memory):
#     output.fill(0)
#     length = packet.getDataLength()
#     if length > output["packet_data"].size:
#         packet.setCompletionStatus(kIOReturnMessageTooLarge)
#         completion.EnqueuePacket(packet)
#         return kIOReturnMessageTooLarge
#     frame = memory.read(frame_address(packet, pool), length)
#     output["packet_data"][:length] = np.frombuffer(frame, np.uint8)
#     output["packet_size"] = length
#     completion.EnqueuePacket(packet)
#     return kIOReturnSuccess
# ```
#
# In C++ (`get_packet_answer.cpp`):
#
# ```cpp
# #include <vethlab/exercise.h>
#
# uint64_t frame_address(IOUserNetworkPacket *packet, const vethlab_pool *pool)
# {
#     uint64_t base = pool->map_to_dext ? 0 : pool->address;
#     return base + packet->getDataVirtualAddress() + packet->getDataOffset();
# }
#
# kern_return_t get_packet(IOUserNetworkPacket *packet, const vethlab_pool *pool,
#                          IOUserNetworkTxCompletionQueue *completion, GetPacket_Output *output)
# {
#     memset(output, 0, sizeof(*output));  // the struct held an earlier frame
#     uint32_t length = packet->getDataLength();
#     if (length > sizeof(output->packet_data)) {
#         packet->setCompletionStatus(kIOReturnMessageTooLarge);
#         completion->EnqueuePacket(packet);  // refused, but still handed back
#         return kIOReturnMessageTooLarge;
#     }
#     memcpy(output->packet_data, (const void *)frame_address(packet, pool), length);
#     output->packet_size = length;
#     completion->EnqueuePacket(packet);
#     return kIOReturnSuccess;
# }
# ```
#
# </details>

# %% [markdown]
# ## Your answer in C++
#
# Write a `.cpp` file that includes `<vethlab/exercise.h>` and defines the exercise's function
# with exactly this signature. The header brings vethlab's stub DriverKit and
# NetworkingDriverKit headers (Apple's class and method names, both accessor families),
# `string.h`, `struct vethlab_pool` (`address`, 0 where the dext did not map the pool itself;
# `map_to_dext`; `requested_buffer_size`) and `GetPacket_Output`:
#
# ```cpp
# #include <vethlab/exercise.h>
#
# // exercise frame_address: the frame's first byte, as an address in the dext
# uint64_t frame_address(IOUserNetworkPacket *packet, const vethlab_pool *pool);
#
# // exercise get_packet: fill *output, complete the packet on completion, return the IOReturn
# kern_return_t get_packet(IOUserNetworkPacket *packet, const vethlab_pool *pool,
#                          IOUserNetworkTxCompletionQueue *completion, GetPacket_Output *output);
# ```
#
# C++ has no `memory` argument: the answer reads the frame through the pointer it computed, as
# a dext does. A file may define both functions (get_packet is then checked unless `--exercise`
# says otherwise). Run, in a terminal where vethlab is installed,
#
# ```shell
# vethlab check answer.cpp
# vethlab check answer.cpp --exercise get_packet --json
# ```
#
# or, in a cell of this notebook, `vethlab.check("answer.cpp")`, which also draws the pool.
#
# The checker compiles it with your system's compiler (c++, g++ or clang++, or `$CXX`) against
# vethlab's stub headers, links it with a small shim whose packet methods ask the simulation,
# and runs each case in a child process: a wild pointer is a crash of that case (SIGSEGV, with
# the address it faulted at), never of the checker, and a case that loops is stopped after
# `--timeout` seconds. For get_packet the child holds the pool's bytes at the very addresses
# the simulated dext has them. Exit status 0 means every case is right, 1 that some are wrong,
# 2 that the file does not compile or does not define the function with that signature (the
# compiler's messages follow). Python files work the same way, and need no compiler:

# %%
status = vethlab_command(["check", str(EXAMPLES / "frame_address_first_attempt.py")])
print("exit status", status)

# %% [markdown]
# ## Things to try
#
# Each answer is folded away: open it when you have tried.
#
# * Check Apple's sample's formula for exercise 1, `getDataVirtualAddress() + getDataOffset()`
#   alone. Which cases fail, and which trap does the checker name?
#   <details><summary>Answer</summary>Exactly the pools created without `PoolFlagMapToDext`:
#   there `getDataVirtualAddress()` is the buffer's offset in the pool, not an address (trap 5
#   (pool not mapped to the dext)).
#   Apple's sample creates its pool with the flag, so it never meets them.</details>
# * Replace `getDataOffset()` by `GetHeadroom()` in the answer. Which cases fail now?
#   <details><summary>Answer</summary>Every native-flow case and no other, 2 bytes early: trap
#   3 (headroom used as the data offset).</details>
# * Draw another case with `report.draw(case=N)`, for example a case past the first segment.
#   <details><summary>Answer</summary>`report.results[N].case.describe()` says which pool it
#   is; with the question's fix, the read of a buffer past the first segment lands a whole
#   segment early, in the first segment's buffer of the same slot (trap 4 (segment offset taken
#   for a pool offset)).</details>
# * Copy `vethlab/exercises/examples/frame_address_question_fix.cpp`, fix it, and run
#   `vethlab check` on your copy.
#   <details><summary>Answer</summary>The C++ answer above: 576 of 576 cases right, exit
#   status 0.</details>
#
# Previous: [08 · the answer](08_the_answer.ipynb). Next: [10 · other stacks](10_other_stacks.ipynb)
# asks the same question of netmap, AF_XDP, DPDK, the Linux sk_buff and FreeBSD's mbufs. Back
# to the start: [01 · the question](01_the_question.ipynb).
