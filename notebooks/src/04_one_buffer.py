# %% [markdown]
# # Inside one buffer
#
# [The question](01_the_question.ipynb) went wrong between buffers: a stride of 1600 where the
# pool used 2048. [The pool layout](03_pool_layout.ipynb) showed where every buffer sits. This
# notebook zooms in on **one** buffer. You will see the bytes at its front that are reserved
# (the headroom), where the frame really starts (the data offset), how long it is, and what is
# left at the end (the tailroom). Then three ways of computing the frame's address, the
# question's first attempt, the question's fix (`bufferSize` 2048, and the mapping's address +
# the segment offset + the headroom) and today's API, each drawn as an arrow to the
# byte it lands on, with how many bytes it misses by. Two cases break the question's fix:
# a frame from a native flow, which starts 2 bytes later, and (in vethlab's model of a pool
# with several segments) a buffer in the pool's second segment. A dashboard at the end lets
# you move every number yourself.
#
# Every rule in the pictures carries its provenance: **documented** (Apple says so),
# **observed** (driver authors measured it), **reported** (only the question says so) or
# **modelled** (vethlab's choice where nobody knows).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

import vethlab
from vethlab.pictures.anatomy import draw_buffer_anatomy
from vethlab.question.scenario import METHODS, QuestionDext, read_packet
from vethlab.traps import trap_title
from vethlab.widgets.buffer_anatomy import buffer_anatomy
from vethlab.wire.frames import APP, HOST, describe, icmp_echo_request
from vethlab.wire.host import HostStack, native_flow_data_offset

# %% [markdown]
# ## A dext, a pool, and a frame from the network stack
#
# `QuestionDext(..., api="current")` creates its pool the way today's drivers do:
# `CreateWithOptions` with `PoolFlagMapToDext`, so that every packet knows its buffer's address in
# the dext. It also maps the pool the two ways the question did (`CreateMapping`, and `Map`
# aligned to `IOVMPageSize`), so all three formulas can be tried on the same packet. The Mac
# uses 64 KiB buffer segments, so one segment holds 32 buffers of 2048 bytes.

# %%
mac = vethlab.Mac("apple-silicon", segment_size=65536, seed=0)
dext = QuestionDext(mac, buffer_size=2048, packets=64, api="current")
dext.Start()
pool = dext.pool
host = HostStack(pool)
pool

# %% [markdown]
# The simulated network stack hands the driver four ping requests from a BSD socket, each in a
# packet with 8 bytes of headroom. A BSD-socket frame starts right after the headroom, so each
# data offset is 8 (observed). vethlab's stack leaves the link header length at 0 (what the
# real stack sets on TX packets is not known), so the cell sets it to 14, an Ethernet header,
# for the picture to show.

# %%
sent = [host.transmit(icmp_echo_request(HOST, APP, 1, seq), headroom=8) for seq in range(4)]
packet = sent[3]
packet.setLinkHeaderLength(14)
print(describe(packet.frame_bytes()))
print(f"GetMemorySegmentOffset() = {packet.GetMemorySegmentOffset()}")
print(f"GetHeadroom()            = {packet.GetHeadroom()}")
print(f"getDataOffset()          = {packet.getDataOffset()}")
print(f"getDataLength()          = {packet.getDataLength()}")
print(f"getLinkHeaderLength()    = {packet.getLinkHeaderLength()}")
print(f"getDataVirtualAddress()  = 0x{packet.getDataVirtualAddress():x}")

# %% [markdown]
# ## The buffer, byte by byte
#
# The first bytes of the buffer are drawn wide, one tick per byte, and the rest is compressed
# (a dashed line shows where the scale changes). The arrows are the three formulas. The
# question's first attempt adds the segment offset to the mapping's address and stops there:
# it lands on the buffer's first byte, 8 bytes before the frame. That is trap 2 (forgotten
# headroom / data offset). (This pool asked for 2048-byte buffers, so the wrong
# stride of [the question](01_the_question.ipynb) plays no part here.) The fix and today's API
# both land on the frame.

# %%
fig, ax = plt.subplots(figsize=(10, 5.2))
fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.01)
draw_buffer_anatomy(ax, packet)
plt.show()

# %% [markdown]
# The same claims as plain numbers: for each formula, the address it computes and how far that
# is from the frame's first byte (negative means too early).


# %%
def show_readings(packet):
    for key in METHODS:
        reading = read_packet(dext, key, packet)
        print(
            f"{key:14} 0x{reading.read_address:x}  error {reading.offset_error:+d} bytes  "
            f"frame read intact: {reading.bytes_match}"
        )


show_readings(packet)

# %% [markdown]
# The three addresses differ even where they mean the same byte: the question's code mapped the
# pool twice more, and each mapping shows the pool at its own address. The arrows are placed
# by the pool byte each address shows.
#
# In a dext, today's formula reads like this (a pool made with `PoolFlagMapToDext`; `dst` is
# where the frame goes and holds `dstSize` bytes). Apple's header says `kIOReturnMessageTooLarge`
# means "oversized msg received on interrupt port"; using it for a frame too long for `dst` is
# vethlab's choice (**modelled**).
#
# <!-- cpp: fragment needs: IOUserNetworkPacket *packet; uint8_t *dst; uint32_t dstSize; -->
# ```cpp
# const uint8_t *base = (const uint8_t *)(uintptr_t)packet->getDataVirtualAddress();
# const uint8_t *frame = base + packet->getDataOffset();   // not base + headroom
# uint32_t length = packet->getDataLength();
# if (length > dstSize) {
#     return kIOReturnMessageTooLarge;                      // never copy past dst
# }
# memcpy(dst, frame, length);
# ```
#
# ## A native flow: the fix is 2 bytes early
#
# Apps that use Network.framework send through native Skywalk flows. Those reserve 16 bytes for
# a 14-byte Ethernet header, so the frame starts 2 bytes past the headroom (observed by driver
# authors: every native-flow frame they sent was shifted by 2 until they used the data offset).
# The question's fix adds the headroom, so it now reads 2 bytes too early; today's API adds the
# data offset and stays right. This is trap 3 (headroom used as the data offset).

# %%
native = host.transmit(
    icmp_echo_request(HOST, APP, 2, 1), headroom=8, data_offset=native_flow_data_offset(8)
)
native.setLinkHeaderLength(14)
print(trap_title(3))
print(
    f"packet {native.getPacketIndex()}: headroom {native.GetHeadroom()}, "
    f"data offset {native.getDataOffset()}"
)
show_readings(native)

# %%
fig, ax = plt.subplots(figsize=(10, 5.2))
fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.01)
draw_buffer_anatomy(ax, native)
plt.show()

# %% [markdown]
# ## The second segment: a segment offset is not a pool offset
#
# `GetMemorySegmentOffset()` counts from the start of the buffer's **segment** (its name says
# so, and reverse-engineered kernel headers agree; whether the question's mapping of the whole
# pool starts where segment 0 starts is not known). Code that adds it to the start of the whole
# pool is right only in the first segment. vethlab lays the pool's segments end to end in one
# descriptor (modelled: Apple does not say how a pool with several segments is described), so
# in this model a packet in segment 1 is read a whole segment early: trap 4 (segment offset
# taken for a pool offset).

# %%
more = [host.transmit(icmp_echo_request(HOST, APP, 3, seq), headroom=8) for seq in range(36)]
far = more[-1]
far.setLinkHeaderLength(14)
layout = pool.layout
print(trap_title(4))
print(f"packet {far.getPacketIndex()} is in segment {layout.segment_of(far.getPacketIndex())}")
print(
    f"GetMemorySegmentOffset() = {far.GetMemorySegmentOffset()}, "
    f"but its buffer is at pool offset {layout.buffer_offset(far.getPacketIndex())}"
)
show_readings(far)

# %%
fig, ax = plt.subplots(figsize=(10, 5.2))
fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.01)
draw_buffer_anatomy(ax, far)
plt.show()

# %% [markdown]
# ## What a packet refuses
#
# A packet's data offset plus its length must fit its buffer. Asking for more is an error that
# says which numbers were wrong and what was allowed, and the packet keeps its old state. (The
# rule follows from the buffer's size; that the setter refuses with `kIOReturnBadArgument` is
# modelled.)

# %%
try:
    packet.setDataOffsetAndLength(100, 2000)
except vethlab.IOReturnError as error:
    print(error)
    print(error.code == vethlab.kIOReturnBadArgument)
print(packet)

# %% [markdown]
# ## Dashboard: move the numbers yourself
#
# The sliders set one packet of a fresh pool through its own setters. The buttons choose where
# the frame starts: right at the headroom (BSD socket) or 2 bytes later (native flow). Move
# the packet slider past 31 to reach the second segment. A combination the packet refuses
# shows its error message instead of the picture. What the dashboard shows was checked by the
# plain cells above: with a native flow the question's fix misses by 2 bytes (the first attempt
# by 10) while today's API stays right, and in the second segment both of the question's
# formulas land a whole segment early (or more).

# %% tags=["nbval-ignore-output"]
board = buffer_anatomy()
board

# %% [markdown]
# Next: [mapping memory](05_mapping_memory.ipynb), where the addresses come from.
#
# ## Things to try
#
# Each answer is folded away: open it when you have tried.
#
# * In the dashboard, set the headroom to 0 and choose the native flow: the data offset is 2,
#   the case driver authors hit first. How far off is the question's fix?
#   <details><summary>Answer</summary>2 bytes early: it adds a headroom of 0 and lands on the
#   buffer's first byte, as the first attempt does. Today's API lands on the frame.</details>
# * Set the data offset below the headroom (the frame starts inside the reserved bytes). Which
#   formula is now late instead of early?
#   <details><summary>Answer</summary>The question's fix. With headroom 8 and data offset 4 it
#   reads 4 bytes late, past the frame's first bytes; the first attempt is still 4 bytes early;
#   today's API is right.</details>
# * Push the data length until the picture gives way to an error. What is the largest length
#   that still fits with headroom 8?
#   <details><summary>Answer</summary>2040 bytes: the data offset (8) plus the length must fit
#   the 2048-byte buffer. At 2041 the packet refuses with `kIOReturnBadArgument` and says so.
#   </details>
# * Move the packet slider from 31 to 32 and watch the first attempt jump a whole segment.
#   <details><summary>Answer</summary>At 31 it is 8 bytes early; at 32 it lands on buffer 0,
#   65,544 bytes early: a whole 65,536-byte segment plus the 8 bytes of headroom. The question's
#   fix jumps the same segment (65,536 bytes early).</details>
# * In a new cell, call `buffer_anatomy(quirk=True, buffer_size=1600)` and move the packet slider
#   to 10: now the segment offsets use the stride the question reported (1600, while the
#   buffers are 2048 apart). How far off is the first attempt? Compare it with
#   10 × 448 + the headroom.
#   <details><summary>Answer</summary>4,488 bytes early, in buffer 7: exactly 10 × 448 + 8.
#   Trap 1 (wrong stride) gives the 4,480, trap 2 the 8.</details>
