# %% [markdown]
# # The detective: what a dump of the pool's memory tells you
#
# The earlier notebooks knew every number of the pool, because vethlab made it. A developer
# with a real Mac and a real dext knows only the bytes their code can reach. This notebook
# works from those bytes alone: it shows the few lines a dext and its app need to write the
# pool's memory to a file, makes such a dump in vethlab's simulation, and hands it to
# `vethlab.inspect`, which finds the frames by their own structure and infers the real buffer
# size, where the buffers start, the data offsets and the headroom, with its reasons. You will
# see a Mac whose numbers are kept hidden until the end, a dump made of frames that a real
# Linux kernel sent, and the question's junk read explained without being told anything about
# the pool.
#
# Provenance, in the five labels of the earlier notebooks: the calls a dext and an app make are
# **documented** by Apple; the size rule that makes 1600 into 2048 comes from XNU's
# **source**; the question's first-attempt offsets are **reported**; the hidden Macs, the way a
# dump of frames is laid out and one descriptor over all segments are **modelled**; the
# 2-byte offset of native-flow frames is **observed** by driver authors. `vethlab.inspect`
# gives the reasons for each thing it says about a dump.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

import vethlab
from vethlab.cli import main as vethlab_command
from vethlab.handoff.app import QuestionApp
from vethlab.inspection.dumps import dump_of, dump_of_frames, hidden_pool, kernel_frames
from vethlab.question.dext import PacketDext
from vethlab.wire.frames import describe, mixed_frames

# %% [markdown]
# ## Getting a dump, for real
#
# The pool's memory belongs to the dext. To look at it from an app, the dext offers it through
# its user client: when the app calls `IOConnectMapMemory64` with a memory type, DriverKit calls
# the user client's `CopyClientMemoryForType` with that type, and maps the descriptor it returns
# into the app (**documented**). The pool gives its descriptor with `CopyMemoryDescriptor`
# (**documented**); `kIOUserClientMemoryReadOnly` keeps the app from writing into buffers the
# network stack is using. In a real dext the method is declared in the user client's `.iig` file
# (`kern_return_t CopyClientMemoryForType(...) override;`) and defined with
# `IMPL(FooUserClient, CopyClientMemoryForType)`; here it is written as plain C++:
#
# <!-- cpp: needs:
# enum { kPoolMemoryType = 0 };                          // shared with the app
# class FooDriver : public IOUserNetworkEthernet {
# public:
#     IOUserNetworkPacketBufferPool *pool;               // created in Start
# };
# struct FooUserClient_IVars { FooDriver *provider; };
# class FooUserClient : public IOUserClient {
# public:
#     kern_return_t CopyClientMemoryForType(uint64_t type, uint64_t *options,
#                                           IOMemoryDescriptor **memory) override;
#     FooUserClient_IVars *ivars;                        // iig declares it in the real class
# };
# -->
# ```cpp
# // The app's IOConnectMapMemory64(connect, kPoolMemoryType, ...) arrives here.
# kern_return_t FooUserClient::CopyClientMemoryForType(uint64_t type, uint64_t *options,
#                                                      IOMemoryDescriptor **memory)
# {
#     if (type != kPoolMemoryType) {
#         return kIOReturnBadArgument;
#     }
#     IOMemoryDescriptor *poolMemory = nullptr;
#     kern_return_t ret = ivars->provider->pool->CopyMemoryDescriptor(&poolMemory);
#     if (ret != kIOReturnSuccess) {
#         return ret;
#     }
#     *options = kIOUserClientMemoryReadOnly;  // the app may look, never write
#     *memory = poolMemory;                    // the caller consumes this reference
#     return kIOReturnSuccess;
# }
# ```
#
# The app side is C, with IOKit.framework. It maps the pool anywhere, read-only, and writes
# every byte of the mapping, from its first, to a file:
#
# <!-- cpp: app -->
# ```cpp
# #include <stdint.h>
# #include <stdio.h>
# #include <IOKit/IOKitLib.h>
#
# enum { kPoolMemoryType = 0 };  // the dext's memory type for its pool
#
# // connect: from IOServiceOpen on the dext's service.
# kern_return_t dump_pool(io_connect_t connect, const char *path)
# {
#     mach_vm_address_t address = 0;
#     mach_vm_size_t size = 0;
#     kern_return_t kr = IOConnectMapMemory64(connect, kPoolMemoryType, mach_task_self(),
#                                             &address, &size, kIOMapAnywhere | kIOMapReadOnly);
#     if (kr != kIOReturnSuccess) {
#         return kr;
#     }
#     FILE *file = fopen(path, "wb");
#     size_t written = 0;
#     if (file != NULL) {
#         written = fwrite((const void *)(uintptr_t)address, 1, (size_t)size, file);
#         fclose(file);
#     }
#     IOConnectUnmapMemory64(connect, kPoolMemoryType, mach_task_self(), address);
#     return written == size ? kIOReturnSuccess : kIOReturnError;
# }
# ```
#
# A dump of a real pool holds real traffic: whatever the Mac sent through the interface. Keep it
# as you would keep a packet capture.

# %% [markdown]
# ## The same run in vethlab
#
# The question's pool: 32 packets of `bufferSize` 1600 on an Apple-silicon Mac. The host stack
# sends a round of frames that the app takes (their bytes stay behind in the buffers), then a
# second round that waits. `dump_of` is the app's half above: `IOConnectMapMemory64` with
# `kPoolMemoryType`, a copy of the mapping, `IOConnectUnmapMemory64`; it writes the file the rest
# of this notebook reads.

# %%
mac = vethlab.Mac("apple-silicon", 65536, seed=0)
dext = PacketDext(mac, buffer_size=1600, packets=32)
dext.Start()
app = QuestionApp(dext, "per_packet")
print("the app opens the dext:", vethlab.IOReturnName(app.open()))
dext.transmit(mixed_frames(32, seed=1), headroom=8)
app.run()  # the app takes the first round; the buffers keep its bytes
dext.transmit(mixed_frames(32, seed=0), headroom=8)  # the second round waits
dump = dump_of(app.app, app.connect, "question_pool.bin")
print(f"question_pool.bin: {len(dump)} bytes")
print("the app:", [f"{e.name} {e.kr_name}" for e in app.trace.events if e.kind in ("map", "unmap")])

# %% [markdown]
# From here on, only the file is used. `vethlab.inspect` takes a path, bytes or a numpy array;
# `vethlab inspect question_pool.bin` in a terminal prints the same report.

# %%
question = vethlab.inspect("question_pool.bin", page_size=16384)
print(question.text(rows=6))

# %% [markdown]
# The stride is 2048, not the 1600 that was asked for, and every frame starts 8 bytes into its
# buffer. The report says what it cannot know: all frames sit at one offset, so 8 could be the
# headroom, or a headroom of 6 with native flows' 2 bytes on top.

# %% [markdown]
# ## A Mac whose numbers are hidden
#
# `hidden_pool(seed)` boots a Mac whose profile, boot segment size, requested `bufferSize`,
# headroom and share of native-flow frames are drawn from the seed and put aside, runs the same
# two rounds through a dext and its app, and dumps the pool the same way. Until the next
# section, only the dump is looked at:

# %%
mystery = hidden_pool(seed=0)
print(f"a dump of {len(mystery.dump)} bytes")
found = vethlab.inspect(mystery.dump)
print(found.text(rows=8))

# %% [markdown]
# The memory map of what was found, drawn from the dump alone: one row per buffer, the frame in
# blue, the bytes an earlier frame left behind in orange.

# %%
fig, ax = plt.subplots(figsize=(10, 6))
fig.subplots_adjust(left=0.2, right=0.72, bottom=0.16)
found.draw(ax, max_rows=24)
plt.show()
print(f"{ax.vethlab['rows']} buffers drawn, {ax.vethlab['stale_runs']} runs of stale bytes")

# %% [markdown]
# ## Revealed
#
# Now the hidden numbers, beside what the dump gave:

# %%
hidden = mystery.hidden
inferred = {
    "buffer_size": found.buffer_size,
    "headroom": found.headroom,
    "native_frames": found.data_offsets.get(found.headroom + 2, 0),
}
for key in ("buffer_size", "headroom", "native_frames"):
    print(f"{key:>22}: hidden {hidden[key]:>5}, inferred {inferred[key]:>5}")
for key in ("profile", "boot_segment_size", "requested_buffer_size", "segment_size"):
    print(f"{key:>22}: hidden {hidden[key]!s:>13}, not claimed by inspect")
assert all(hidden[key] == inferred[key] for key in inferred)

# %% [markdown]
# A `bufferSize` of 1200 became 1280-byte buffers (XNU's size rule, **source**: with an 80 KiB
# boot segment 1280 divides it; on a 64 KiB boot it would have been 2048). The dump shows the
# result, the stride, but neither the 1200, nor the Intel Mac, nor its boot: `inspect` does not
# claim them. The frames that start 2 bytes past the headroom are native-flow frames
# (**observed** by driver authors).

# %% [markdown]
# ## Frames a real kernel sent
#
# The frames so far were made by vethlab's host stack. `tap_frames.pcap` holds 19 frames that a
# real Linux kernel wrote into a TAP device (captured once by `tools/capture_tap_frames.py`,
# shipped with vethlab): its own ARP request, unpadded at 42 bytes, pings from a raw socket and
# UDP datagrams of 1 to 1472 bytes, with the kernel's own identification fields and checksums.
# `kernel_frames()` reads them with dpkt:

# %%
frames = kernel_frames()
for frame in frames[:3] + frames[-2:]:
    print(f"{len(frame):>5} bytes  {describe(frame)}")

# %% [markdown]
# `dump_of_frames` lays them into buffers as a pool holds them (**modelled**): here 1536-byte
# buffers in 16 KiB segments (10 buffers a segment, then 1024 unused bytes), each frame 10 bytes
# into its buffer. `inspect` is not told any of it; `page_size=4096` says that a segment starts
# on an Intel page.

# %%
kernel_dump = dump_of_frames(frames, 1536, segment_size=16384, data_offset=10)
from_kernel = vethlab.inspect(kernel_dump, page_size=4096)
print(from_kernel.text(rows=0))

# %%
fig, ax = plt.subplots(figsize=(10, 5.5))
fig.subplots_adjust(left=0.2, right=0.72, bottom=0.16)
from_kernel.draw(ax)
plt.show()
print("a segment ends before buffer", ax.vethlab["segment_lines"])

# %% [markdown]
# ## The junk read, explained from the dump alone
#
# The question's first attempt added `GetMemorySegmentOffset()` to the mapping's address, and
# the offsets behaved as if the stride were the requested 1600 (**reported**): packet i was read
# at i × 1600 from the dump's first byte. Written as a reads file, one `packet offset` a line,
# and handed to `vethlab inspect` with the dump:

# %%
with open("first_attempt.reads", "w") as reads_file:
    reads_file.writelines(f"{i} {i * 1600}\n" for i in range(32))
command = "inspect question_pool.bin --page-size 16384 --rows 0 --reads first_attempt.reads"
status = vethlab_command(command.split())
print("exit status", status)

# %% [markdown]
# Packet 0 is read 8 bytes early, in the headroom; packet i lands i × 448 + 8 bytes before its
# frame: 448 is 2048 − 1600, one stride's error per packet (trap 1, wrong stride), and 8 the
# headroom forgotten on top (trap 2, forgotten headroom / data offset). From packet 1 on the
# reads fall between frames: into the middle of another packet's frame, into the stale bytes of
# an earlier frame, or into zeros. That is the junk. The picture marks each read under its row:
# green at its frame, orange-red anywhere else.

# %%
with open("first_attempt.reads") as reads_file:
    explained = vethlab.inspect("question_pool.bin", page_size=16384, reads=reads_file.read())
errors = [r["error"] for r in explained.reads]
print("errors of packets 0-5:", errors[:6])
assert errors == [-(i * 448 + 8) for i in range(32)]
fig, ax = plt.subplots(figsize=(10, 6))
fig.subplots_adjust(left=0.2, right=0.72, bottom=0.16)
explained.draw(ax, max_rows=16)
plt.show()
print("reads drawn:", ax.vethlab["reads"], "| rows with a wrong read:", ax.vethlab["error_rows"])

# %% [markdown]
# Previous: [06 · the interface, end to end](06_interface_end_to_end.ipynb). Next:
# [08 · the answer](08_the_answer.ipynb) puts the whole answer in one place, then
# [09 · exercises](09_exercises.ipynb) checks yours. Back to the start:
# [01 · the question](01_the_question.ipynb).
#
# ## Things to try
#
# Each answer is folded away: open it when you have tried.
#
# * Try other seeds with `hidden_pool(seed)`: inspect the dump first, then look at `.hidden`.
#   Seed 5 gives a pool of two segments (`.hidden["segment_count"]`). Does the report see them?
#   <details><summary>Answer</summary>No: "in 1 segment(s) seen". Each 96 KiB segment holds
#   exactly 24 buffers of 4096 bytes, so the second segment starts where a 25th buffer would,
#   and nothing in the bytes breaks the stride. A dump shows a segment's end only where its
#   unused bytes do, as in the kernel dump's 16 KiB segments.</details>
# * Read the question's fix: packet i at i × 2048 + 8. What does `vethlab.inspect` call those
#   reads, and what would it call i × 2048?
#   <details><summary>Answer</summary>"right" for every packet; at i × 2048 every read is
#   "headroom early", 8 bytes before its frame.</details>
# * Cut the first page off the kernel dump (`kernel_dump[4096:]`) and inspect it with
#   `page_size=4096`. What changes? Then cut 1000 bytes instead of 4096.
#   <details><summary>Answer</summary>Without the page, stride and headroom stay 1536 and 10;
#   `buffer0_offset` becomes 512, the first boundary after the cut (3 × 1536 − 4096): a dump
#   gives a phase, not a pool start. Without 1000 bytes the headroom comes out as 34 and
#   `buffer0_offset` as 512: `inspect` takes buffer starts to be 64-byte aligned in the dump, as
#   they are in a mapping, which always starts on a page. Dump the whole mapping.</details>
# * Inspect `bytes(65536)` and `bytes(range(256)) * 256`. Does `inspect` guess?
#   <details><summary>Answer</summary>No: `answered` is False and the reasons say that no frame
#   was found; `vethlab inspect` exits with status 1.</details>
# * Lay only three kernel frames into a dump (`dump_of_frames(frames[:3], 2048)`): how sure is
#   the answer, and why?
#   <details><summary>Answer</summary>The stride still comes out as 2048, but `confidence` drops
#   to 0.61, from 1.0 for the whole kernel dump. The reasons say why: 3 frames found, and "3 of 3
#   frames agree on a 2048-byte stride", so the stride rests on two gaps. They also say that
#   every frame sits at data offset 8, so the headroom and a native flow's offset cannot be told
#   apart.</details>
