# %% [markdown]
# # The question: 1600-byte buffers that were really 2048
#
# A developer wrote a virtual Ethernet driver (a DriverKit extension, a "dext") whose app asks
# for every outgoing frame. The dext had the packets, but not their bytes: adding the packet's
# segment offset to a mapping of the pool's memory gave junk. The answer they found: the pool
# they had asked for with `bufferSize` 1600 had quietly been built with 2048-byte buffers, the
# packets reported offsets as if it had not, and the frame also started some bytes into its
# buffer.
#
# This notebook runs that story in vethlab, byte for byte. You will see the pool's memory with
# every buffer, where the first attempt reads against where each frame really is, how the
# error grows by 448 bytes per packet, the junk bytes it copied, the fix, today's API, and a
# case where the fix is wrong again: a frame that starts 2 bytes later, trap 3 (headroom used
# as the data offset). It is not the only one: notebooks 03 and 04 show a second, a buffer in
# the pool's second segment, trap 4 (segment offset taken for a pool offset). The traps have
# one number and one name everywhere; notebook 08 lists them all. Sliders at the end let you
# change the requested size, the Mac and its segment size.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

import vethlab
from vethlab.pictures import (
    draw_colour_key,
    draw_drift,
    draw_hexdump,
    draw_memory_map,
    draw_misread_hexdump,
    draw_offset_errors,
    draw_provenance_key,
    first_junk_packet,
    hexdump_text,
    reading_dumps,
)
from vethlab.question.scenario import METHODS, run_question
from vethlab.traps import trap_title
from vethlab.widgets import question_sliders

# %% [markdown]
# Every picture in vethlab speaks one colour language: a colour means the same thing in every
# notebook. Frame bytes are blue (their headers in darker shades), the bytes before the frame
# pale yellow, stale bytes of an earlier frame orange. A read is green at its frame, purple when
# it lands on the right buffer's first byte but the frame starts later, and vermillion anywhere
# else; the three also differ by marker (circle, square, cross), so you can tell them apart
# without the colours.

# %%
fig, ax = plt.subplots(figsize=(8, 2.6))
draw_colour_key(ax)
plt.show()

# %% [markdown]
# Every rule vethlab simulates says where it comes from, with one of five labels. The pictures
# name it in an outlined badge, never as a colour:

# %%
fig, ax = plt.subplots(figsize=(7, 1.6))
draw_provenance_key(ax)
plt.show()

# %% [markdown]
# ## The driver and its pool
#
# `run_question` boots a simulated Apple-silicon Mac (16 KiB pages, 128-byte cache lines) whose
# buffer segments are 64 KiB, starts a dext that creates a pool of 32 packets with `bufferSize`
# 1600, and lets the simulated network stack send 32 real frames (ARP, ping, UDP, IPv6
# neighbour solicitations) through it, each with 8 bytes of headroom, as Apple's sample driver
# asks for. Before those, an earlier round of frames went through the same buffers and was
# recycled: its bytes are still there. The dext then looks for each frame three ways.

# %%
report = run_question(segment_size=65536)
first = report.methods["first_attempt"]
layout = first.pool.layout
print(first.pool)
print(
    f"asked for {layout.requested_buffer_size}, got {layout.buffer_size}: "
    f"{layout.stride_error} bytes more per buffer"
)
print(
    f"{layout.buffers_per_segment} buffers per {layout.segment_size}-byte segment, "
    f"{layout.page_count} pages of {layout.page_size} bytes"
)

# %% [markdown]
# Where does 2048 come from? XNU's packet memory code rounds an object size up to the cache
# line, then grows it one cache line at a time until it divides the segment evenly (XNU's
# code does it: **source**; that DriverKit pools go through that code is not documented). 1600 becomes 2048
# on every Mac; other sizes depend on the segment size drawn at boot:

# %%
for requested in (1500, 1600, 1200, 2048):
    sizes = [
        vethlab.configured_buffer_size(requested, profile.cache_line, segment)
        for profile in (vethlab.APPLE_SILICON, vethlab.INTEL)
        for segment in (65536, 81920)
    ]
    print(f"{requested:>5} -> {sizes}  (Apple silicon 64/80 KiB, Intel 64/80 KiB)")

# %% [markdown]
# ## The pool's memory
#
# One row per buffer, in pool order, with its address in the dext's mapping. Across each row,
# the bytes of the buffer: the 8 bytes before the frame (pale yellow), the frame (blue, its link
# header darkest), stale bytes of the earlier, longer frames (orange) and the rest (light grey).
# Dashed lines are page boundaries; the dotted line is where a 1600-byte buffer would have
# ended.

# %%
fig, ax = plt.subplots(figsize=(10, 7))
fig.subplots_adjust(left=0.2, right=0.72, bottom=0.2)
draw_memory_map(ax, first.pool, mapping=first.dext.pool_map, host=first.host)
plt.show()

# %% [markdown]
# ## The first attempt
#
# The question's first attempt mapped the pool's whole memory descriptor into the dext with
# `CreateMapping` and added the packet's segment offset to the mapping's address:

# %%
print(METHODS["first_attempt"].cpp)

# %% [markdown]
# The question reports that the packets behaved as if the buffers were 1600 bytes long: packet
# i said its buffer began i × 1600 bytes into the segment, while the bytes were at i × 2048.
# Nothing else confirms it, so vethlab labels it **reported** and makes it a switch (on here).
# That is trap 1 (wrong stride). Add the 8 bytes of headroom nobody added, trap 2 (forgotten
# headroom / data offset), and packet i is read i × 448 + 8 bytes too early:

# %%
print(f"{'packet':>6}  {'read at':>8}  {'frame at':>8}  {'error':>6}  bytes")
for r in first.readings[:6]:
    print(
        f"{r.index:>6}  {r.read_offset:>#8x}  {r.frame_offset:>#8x}  {r.offset_error:>6}  "
        f"{'the frame' if r.bytes_match else 'junk'}"
    )

# %% [markdown]
# Plotted against the packet index: where each frame is (a blue dash) and where the first
# attempt read, joined by a line as long as the error. Packet 0's read is a purple square: its
# buffer is the right one, but the frame starts 8 bytes in. Every other read is a vermillion
# cross: it is not even in its own buffer.

# %%
fig, ax = plt.subplots(figsize=(9, 3.4))
draw_offset_errors(ax, first, show="offsets")
plt.show()

# %% [markdown]
# The same reads on the memory map: under each row, a hatched vermillion band ("read somewhere
# else") for the bytes some packet's read covered there. They drift away from the frames, across
# buffer boundaries, and the status column on the right is vermillion for every packet but
# packet 0, which is purple (right buffer, 8 bytes early). The buffer where packet 7's read
# lands is outlined: we will look at its bytes below.

# %%
junk_packet = first_junk_packet(first)
landed = layout.buffer_index(first.readings[junk_packet].read_offset)
fig, ax = plt.subplots(figsize=(10, 7))
fig.subplots_adjust(left=0.2, right=0.72, bottom=0.2)
draw_memory_map(
    ax,
    first.pool,
    mapping=first.dext.pool_map,
    host=first.host,
    readings=first.readings,
    highlight=landed,
)
plt.show()
print(f"packet {junk_packet}'s read lands in buffer {landed}")
print("packets read at the wrong place:", ax.vethlab["errors"])

# %% [markdown]
# ## The error grows with the slot
#
# Why does the error grow? The code steps through the pool 1600 bytes at a time, because that is
# what the packets report; the buffers are 2048 apart. Below, the first buffers on one strip,
# with two rulers: above, where the code thinks buffer i starts (i × 1600); below, where it is
# (i × 2048). Each read arrow lands where the code looks, and its gap to the buffer's real start
# grows by 448 bytes per buffer. The numbers come from the pool's layout, not from this cell.

# %%
fig, ax = plt.subplots(figsize=(9, 3.2))
draw_drift(ax, first.pool)
plt.show()
print("gaps:", ax.vethlab["gaps"], "bytes")

# %% [markdown]
# For every packet, where the first attempt read minus where the frame is. The points lie on
# one line, fitted from the readings themselves: 448 bytes more per slot (2048 − 1600, trap 1),
# starting at the 8 bytes of headroom (trap 2).
#
# Without the reported quirk, the segment offsets follow the real stride, and the stride does
# not matter at all: the first attempt then misses every frame by its data offset alone, 8
# bytes here. Only the quirk makes the requested size count.

# %%
fig, ax = plt.subplots(figsize=(9, 3.6))
draw_offset_errors(ax, first, rules=[("reported", "segment offsets use the requested stride")])
plt.show()
slope, intercept = ax.vethlab["series"][first.spec.title]["line"]
print(
    f"{trap_title(1)}: error of packet i = {slope} × i {'-' if intercept < 0 else '+'} {abs(intercept)}"
)
assert [r.offset_error for r in first.readings] == [slope * i + intercept for i in range(32)]

# %% [markdown]
# ## The junk next to the real frame
#
# What did the app receive? Packet 7's read lands in packet 5's buffer, in the middle of that
# ping's payload; packet 7's own frame (an IPv6 neighbour solicitation) starts 3144 bytes
# further on. Each line of the dump shows whose bytes they are; the letters under the bytes say
# what they are (`P` payload, `L` link header, `N` network header, `T` transport header).

# %%
junk, frame = reading_dumps(first, junk_packet, 48)
print(junk.title)
print(hexdump_text(junk))
print()
print(frame.title)
print(hexdump_text(frame))

# %%
fig, axes = plt.subplots(2, 1, figsize=(10, 4.6))
fig.subplots_adjust(left=0.1, right=0.78, hspace=0.5)
draw_hexdump(axes[0], junk)
draw_hexdump(axes[1], frame)
plt.show()

# %% [markdown]
# The same two places in two lines of 16 bytes, one above the other: what the code read for
# packet 7, and the frame it was looking for. An underline marks each byte that differs; here
# every one does. The dashboard at the end draws these two lines for the values you choose.

# %%
fig, ax = plt.subplots(figsize=(9, 1.3))
fig.subplots_adjust(left=0.22, right=0.74, top=0.7, bottom=0.05)
draw_misread_hexdump(ax, first, junk_packet)
plt.show()
print(f"{len(ax.vethlab['differs'])} of 16 bytes differ")

# %% [markdown]
# ## The fix
#
# The developer created the pool with `bufferSize` 2048, so that the stride the packets report
# and the real one agree (the cure for trap 1). They mapped its memory into the dext with `Map`
# aligned to the page size, and added the headroom (the cure for trap 2, while the headroom is
# the data offset). This is what worked for them (**reported**). In every notebook, "the
# question's fix" means these two together: `bufferSize` 2048, and the mapping's address + the
# segment offset + the headroom. Written out in a dext, from the pool's creation to the read
# (the capitalised getters return their value through a pointer):
#
# ```cpp
# // The question's fix, whole. The pool's memory is mapped into the dext once; each frame is
# // then found from the packet's segment offset plus its headroom.
# static IOUserNetworkPacketBufferPool *pool;
# static IOMemoryDescriptor *pool_memory;  // kept for the pool's life; released in Stop
# static uint64_t packet_buffer_addr;      // where Map put the pool's memory in the dext
#
# kern_return_t CreateAndMapPool(IOService *owner)
# {
#     kern_return_t ret = IOUserNetworkPacketBufferPool::Create(
#         owner, "FooPool", 32 /* packetCount */, 32 /* bufferCount */,
#         2048 /* bufferSize: the size the pool really uses */, &pool);
#     if (ret != kIOReturnSuccess) {
#         return ret;
#     }
#     ret = pool->CopyMemoryDescriptor(&pool_memory);
#     if (ret != kIOReturnSuccess) {
#         return ret;
#     }
#     uint64_t length = 0;
#     return pool_memory->Map(0, 0, 0, IOVMPageSize, &packet_buffer_addr, &length);
# }
#
# const uint8_t *FrameOf(IOUserNetworkPacket *packet)
# {
#     uint64_t packet_offset = 0;
#     uint8_t packet_head = 0;
#     packet->GetMemorySegmentOffset(&packet_offset);
#     packet->GetHeadroom(&packet_head);
#     return (const uint8_t *)(uintptr_t)(packet_buffer_addr + packet_offset + packet_head);
# }
# ```
#
# vethlab runs the same three steps; below, the formula in one line and what it read:

# %%
fix = report.methods["question_fix"]
print(fix.spec.cpp)
print("offset errors:", sorted({r.offset_error for r in fix.readings}))
print("every frame read byte for byte:", fix.all_match)

# %% [markdown]
# ## Today's API
#
# Current SDKs give each packet its buffer's address in the dext, when the pool is created
# with `PoolFlagMapToDext`; the frame starts `getDataOffset()` bytes after it. That is what
# Apple's sample driver does, and what driver authors measured (**observed**): the address does
# not include the data offset. No mapping of your own, and no pointers to fill:
#
# ```cpp
# // Today's API, whole: the pool maps its memory into the dext itself.
# static IOUserNetworkPacketBufferPool *pool;
#
# kern_return_t CreatePool(IOService *owner)
# {
#     IOUserNetworkPacketBufferPoolOptions options = {};
#     options.packetCount = 32;
#     options.bufferCount = 32;
#     options.bufferSize = 2048;  // 1600 would work too: the pool rounds it up, and nothing
#                                 // below depends on the stride
#     options.maxBuffersPerPacket = 1;
#     options.poolFlags = PoolFlagMapToDext;
#     return IOUserNetworkPacketBufferPool::CreateWithOptions(owner, "FooPool", &options, &pool);
# }
#
# const uint8_t *FrameOf(IOUserNetworkPacket *packet)
# {
#     return (const uint8_t *)(uintptr_t)packet->getDataVirtualAddress()
#            + packet->getDataOffset();
# }
# ```

# %%
current = report.methods["current_api"]
print(current.spec.cpp)
print("offset errors:", sorted({r.offset_error for r in current.readings}))
print("every frame read byte for byte:", current.all_match)

# %% [markdown]
# ## When the fix breaks: a frame 2 bytes in
#
# The fix adds the headroom, but the frame starts at the **data offset**, counted from the
# buffer's first byte (documented). The two are equal for frames from BSD sockets, so the fix
# looks right. Frames from native flows (Network.framework) start 2 bytes further on
# (observed on real drivers): with a headroom of 0 their data offset is 2, and the fix reads
# every one of them 2 bytes early. Today's API is still right. This is trap 3; the other case,
# trap 4, needs a pool of several segments (notebooks 03 and 04).

# %%
native = run_question(segment_size=65536, headroom=0, data_offset=2)
print(trap_title(3))
for key in ("question_fix", "current_api"):
    m = native.methods[key]
    print(
        f"{m.spec.title:<40} errors {sorted({r.offset_error for r in m.readings})}  "
        f"all frames right: {m.all_match}"
    )

# %%
fig, ax = plt.subplots(figsize=(9, 3))
draw_offset_errors(
    ax,
    {k: native.methods[k] for k in ("question_fix", "current_api")},
    rules=[("observed", "native-flow frames start 2 bytes past the headroom")],
)
plt.show()

# %% [markdown]
# ## Move the sliders
#
# The dashboard below runs the first attempt on a pool built for the values you choose: the
# requested `bufferSize`, the Mac, and the segment size its boot drew. Its verdict has three
# states, each in its own colour: **right** (every read on its frame), **early** (the slots line
# up, but every read lands on its buffer's first byte, the headroom short of the frame: what
# the question's fix adds) and **wrong** (reads in other buffers; where nothing drifts, it names
# the segment whose packets are read a whole segment early). The reads line up with their
# buffers only when the requested size is the real one. This plain cell moves the same
# sliders and prints what the dashboard shows: the real size, the verdict, and where packets
# 0, 1 and 2 are read relative to their own buffers.

# %%
sliders = question_sliders()
for segment, requested in (
    (65536, 1600),
    (65536, 2048),
    (65536, 4096),
    (81920, 1200),
    (81920, 1280),
):
    sliders.vethlab_controls["segment_size"].value = segment
    sliders.vethlab_controls["buffer_size"].value = requested
    state = sliders.vethlab_state
    print(
        f"segment {segment:>5}, asked {requested}: real {state['summary']['buffer_size']}, "
        f"verdict {state['verdict']:<5}  slot errors {state['slot_errors'][:3]}"
    )
    if state["verdict"] != "wrong" or requested == 4096:
        print("   ", state["sentence"])
sliders.vethlab_controls["segment_size"].value = 65536
sliders.vethlab_controls["buffer_size"].value = 1600

# %% tags=["nbval-ignore-output"]
sliders

# %% [markdown]
# Next: [02 · the user client](02_user_client.ipynb) carries these bytes to the app, and
# [03 · the pool layout](03_pool_layout.ipynb) explores where every buffer lives.
#
# ## Things to try
#
# Each answer is folded away: open it when you have tried.
#
# * In the dashboard, ask for 1200 bytes on a 64 KiB segment, then on an 80 KiB one: which real
#   size does each get? Now ask for exactly that size: do the slots line up?
#   <details><summary>Answer</summary>2048 on the 64 KiB segment, 1280 on the 80 KiB one, and
#   the slots are not aligned for either request of 1200. Ask for 2048 (64 KiB) or 1280 (80 KiB)
#   and they line up: the requested size is then the real one.</details>
# * Switch to Intel, whose cache line is 64 bytes instead of 128: why does 1600 still become
#   2048? On an 80 KiB segment, try a small request such as 300 on both Macs: here the cache line
#   decides.
#   <details><summary>Answer</summary>1600 is already a multiple of 64, and no multiple of 64
#   from 1600 up to 2048 divides 65536 or 81920 but 2048 itself; the 64-byte steps only take
#   smaller strides to the same end. 300 becomes 512 on Apple silicon (128-byte steps: 384, 512)
#   but 320 on Intel (64-byte steps: 320 divides 81920). On a 64 KiB segment both give 512.
#   </details>
# * Run `run_question(segment_size=65536, headroom=0)`: which packet does the first attempt now
#   read correctly, and why only that one?
#   <details><summary>Answer</summary>Packet 0 only. With no headroom, packet i is read i × 448
#   bytes early: 0 for packet 0, whose requested and real offsets are both 0, then 448, 896, and
#   so on.</details>
# * Only one packet's read runs into stale bytes of an earlier frame. Find it:
#   `first.host.origin(r.read_offset, r.read_offset + r.data_length)` says whose bytes a read
#   `r` of `first.readings` covered. Then dump that whole read with
#   `reading_dumps(first, r.index, r.data_length)`.
#   <details><summary>Answer</summary>Packet 13. Its read covers the last 351 bytes of packet
#   10's frame, then 667 stale bytes that an earlier, longer frame left in buffer 10. Every other
#   read covers frames and zeros only.</details>
# * Call `run_question(segment_size=65536, quirk=False)`: without the reported quirk, what does
#   the first attempt still get wrong?
#   <details><summary>Answer</summary>Only the headroom: every packet is read 8 bytes early,
#   trap 2 (forgotten headroom / data offset). The stride no longer matters, and the question's
#   fix reads every frame right.</details>
