# %% [markdown]
# # The same question on other zero-copy stacks
#
# The question asked a NetworkingDriverKit pool for 1600-byte buffers, got 2048 without being
# told, and read junk. Every system that hands packets to software without copying them has to
# answer the same four questions: what does a requested buffer size become, where does buffer
# i start, where is its first data byte, and how much headroom is there? This notebook asks
# them of netmap, Linux AF_XDP, DPDK, the Linux `sk_buff` and FreeBSD's mbufs, beside the
# NetworkingDriverKit pool (`ndk`), all through `vethlab.stacks`. You will see what each does
# with 1600, where each one's first byte is, each stack's classic bug run beside its own
# formula, and what carries over to a dext. A dashboard at the end puts them side by side
# under one slider.
#
# The other stacks' rules come from their own **source** code (repository, commit, file and
# line are printed with every value). Where no source says (which slab object a head gets,
# whether clusters sit next to each other), the value is **modelled**. Their machine is x86-64:
# 4 KiB pages, 64-byte cache lines.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

from vethlab.pictures.stacks import (
    draw_stack_anatomy,
    draw_stack_memory_map,
    draw_stack_offset_errors,
    draw_stacks_side_by_side,
)
from vethlab.stacks import STACKS, StackError, plan_request
from vethlab.widgets import stack_comparison
from vethlab.widgets.stacks import compare_stacks

# %% [markdown]
# ## What each stack does with 1600
#
# `plan_request(stack, 1600, 8)` asks a stack for eight buffers of 1600 bytes, in the stack's
# own terms: netmap's `buf_size`, AF_XDP's `chunk_size`, DPDK's `data_room_size`, the size given
# to `alloc_skb`, and to FreeBSD's `m_get2`. Each answer has the same shared fields:
# `buffer_size` (what the stack records: `nr_buf_size`, `chunk_size`, `buf_len`, the kmalloc
# bucket, the cluster size), `stride` (from one buffer to the next), `headroom`,
# `usable_size` (bytes a frame can use) and `first_data_offset` (from a buffer's start to its
# first data byte). A stack that refuses raises `StackError` with its own error.

# %%
layouts = {}
for name, module in STACKS.items():
    try:
        layouts[name] = plan_request(name, 1600, 8)
    except StackError as error:
        layouts[name] = error
        print(f"{name:7} {module.REQUEST} 1600: refused: {error.call} returns {error.returns}")
        print(f"        {error.reason}  ({error.source.label}: {error.source.where})")
        continue
    lay = layouts[name]
    print(
        f"{name:7} {module.REQUEST} 1600 -> {module.BUFFER_SIZE} {lay.buffer_size}, "
        f"stride {lay.stride}, headroom {lay.headroom}, usable {lay.usable_size}, "
        f"first data byte at buffer + {lay.first_data_offset}"
    )

# %% [markdown]
# Six answers to one request:
#
# * **ndk**: 2048, by XNU's rule (the question's surprise).
# * **netmap** keeps 1600. It rounds `buf_size` up to 64 bytes and refuses only outside
#   64..65536. There is no headroom: data starts at the buffer.
# * **AF_XDP** refuses. `xdp_umem_reg()` returns `-EINVAL` for a chunk below
#   `XDP_UMEM_MIN_CHUNK_SIZE` (2048) and never rounds.
# * **DPDK** makes `buf_len` 1600, but `data_room_size` *includes* the 128-byte headroom: only
#   1472 bytes are left, too few for a 1514-byte Ethernet frame. Each buffer follows its
#   128-byte `struct rte_mbuf`, so the stride is larger than the buffer: 1856 on x86, after the
#   mempool spreads objects over memory channels.
# * **skb**: `alloc_skb(1600)` asks kmalloc for 1600 + 320 (the `skb_shared_info`) and gets the
#   2048 bucket; the shared info goes at the end of what was allocated, so 1728 bytes are usable.
# * **mbuf**: `m_get2(1600)` takes a 2048-byte cluster.
#
# Where each value comes from, as the layouts record it:

# %%
for name, lay in layouts.items():
    if isinstance(lay, StackError):
        continue
    print(name)
    for field in ("buffer_size", "stride", "first_data_offset"):
        if field in lay.provenance:
            source = lay.provenance[field]
            print(f"  {field:17} {source.label}: {source.where}")

# %% [markdown]
# ## Side by side, on one byte scale
#
# Three buffers of each stack, a 1514-byte frame in each, on the same scale. A thick line is
# where a buffer starts, a triangle its first data byte (buffer 1's in green, with its offset
# from the stack's origin). Hatched bytes are the stack's own metadata, dotted ones padding.
# DPDK's orange marks are the 42 bytes of the frame that do not fit.

# %%
fig, ax = plt.subplots(figsize=(10, 5.6))
fig.subplots_adjust(left=0.1, right=0.99, top=0.93, bottom=0.09)
draw_stacks_side_by_side(ax, layouts, count=3, frame_length=1514)
plt.show()
for row in ax.vethlab["rows"]:
    if "strip" in row:
        starts = [b["first_data_byte"] for b in row["strip"]["buffers"]]
        print(f"{row['name']:7} first data bytes of buffers 0, 1, 2: {starts}")
    else:
        print(f"{row['name']:7} refused ({row['errno']})")

# %% [markdown]
# AF_XDP needs a chunk of at least 2048 (and, in the default aligned mode, a power of two).
# Asked for 2048, it puts every packet 256 bytes in: `XDP_PACKET_HEADROOM`, which the kernel
# keeps in front of every received packet, plus the UMEM's own `headroom` (0 here).

# %%
af_xdp = plan_request("af_xdp", 2048, 8)
print("chunk_size", af_xdp.chunk_size, "| frame_len", af_xdp.frame_len)
print("first data bytes of chunks 0, 1, 5:", [af_xdp.data_offset(i) for i in (0, 1, 5)])
assert [af_xdp.data_offset(i) for i in (0, 1, 5)] == [256, 2304, 10496]
layouts["af_xdp"] = af_xdp

# %% [markdown]
# ## Where each one's first byte is: the formula as each stack writes it
#
# Every stack has one formula for the first data byte, and vethlab runs it under the stack's
# own name. The formulas below are **the other stacks' C code**, not DriverKit C++, and are
# not compiled (the notebooks' C++ type check reads only ```` ```cpp ```` blocks). Their
# sources: netmap `sys/net/netmap_user.h` (`NETMAP_BUF`, `NETMAP_BUF_OFFSET`); libxdp
# `headers/xdp/xsk.h` (`xsk_umem__get_data`); DPDK `lib/mbuf/rte_mbuf_core.h`
# (`rte_pktmbuf_mtod`); Linux `include/linux/skbuff.h` (`skb->data`); FreeBSD
# `sys/sys/mbuf.h` (`mtod`).
#
# ```c
# /* netmap (C), sys/net/netmap_user.h */
# char *buf = NETMAP_BUF(ring, slot->buf_idx);   /* ring + buf_ofs + buf_idx * nr_buf_size */
# /* AF_XDP (C), libxdp headers/xdp/xsk.h */
# void *pkt = xsk_umem__get_data(umem_area, desc->addr);   /* umem_area + addr */
# /* DPDK (C), lib/mbuf/rte_mbuf_core.h */
# char *data = rte_pktmbuf_mtod(m, char *);     /* m->buf_addr + m->data_off */
# /* Linux sk_buff (C), include/linux/skbuff.h */
# unsigned char *data = skb->data;              /* head + skb_headroom(skb) */
# /* FreeBSD (C), sys/sys/mbuf.h */
# char *data = mtod(m, char *);                 /* m->m_data */
# ```
#
# The same formulas, run by vethlab on buffer 1 of each layout (offsets from each stack's
# origin, which `layout.origin` names):

# %%
for name, lay in layouts.items():
    module = STACKS[name]
    print(f"{name:7} {module.FORMULA}")
    print(f"        buffer 1 at {lay.buffer_offset(1)}, its data at {module.address(lay, 1)}")
    print(f"        offsets from {lay.origin}")

# %% [markdown]
# ## One buffer, region by region
#
# Each picture is one stride of a stack, in the stack's own words, with the byte offsets from
# the buffer's start at every edge (the widths are not to scale, so that a 2-byte region stays
# visible). The green arrow is the stack's formula, the orange one its classic bug (next
# section). DPDK's stride starts 192 bytes before the buffer: a mempool object header and the
# `struct rte_mbuf`. The `sk_buff`'s ends with its `skb_shared_info`. FreeBSD's is a driver's
# receive buffer after `m_adj(m, ETHER_ALIGN)`, which moves `m_data` 2 bytes in.

# %%
layouts["mbuf"] = plan_request("mbuf", 1600, 8, adj=2)
for name, lay in layouts.items():
    fig, ax = plt.subplots(figsize=(10, 3.2))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.01)
    draw_stack_anatomy(ax, lay, index=1, frame_length=1514)
    plt.show()
    regions = ", ".join(f"{r.name} {r.start}..{r.end}" for r in lay.regions())
    print(f"{name}: {regions}")

# %% [markdown]
# ## Each stack's classic bug, beside its formula
#
# Every stack has a classic way of getting the first byte wrong, most of them run into by its
# users and reported in public. vethlab runs each one on the same layout as the formula
# (`classic_bug(layout, i)`) and gives the offset error: where the buggy code reads minus where
# the data is (negative: too early). The code printed is the stack's own language, marked with
# its stack; the report, where there is one, is the public issue or patch it comes from. The
# NDK pool's is the question's quirk (**reported**). Two are **modelled**: the sk_buff's (a
# patch title whose repository we did not find) and FreeBSD's (no public report found).

# %%
for name, lay in layouts.items():
    module = STACKS[name]
    bug = module.CLASSIC_BUG
    errors = [module.classic_bug(lay, i).offset_error for i in range(4)]
    print(f"== {name}: {bug.name}")
    print(f"   {bug.label}: {bug.report or 'no public report found'}")
    print("   " + bug.code.strip().replace("\n", "\n   "))
    print(f"   offset errors of buffers 0-3: {errors}")

# %% [markdown]
# The same errors buffer by buffer. Two kinds of bug show:
#
# * **a wrong stride** grows with the index: the question's quirk (`ndk`, 448 bytes more per
#   buffer) and netmap's half-written `nr_buf_size` (luigirizzo/netmap#391; the upper half
#   that was left in memory is a modelled 1, so 65536 per buffer);
# * **a forgotten or assumed offset** is the same for every buffer: AF_XDP's 256 bytes
#   (xdp-project/xdp-tutorial#448), DPDK's `data_off` taken for `RTE_PKTMBUF_HEADROOM` after a
#   14-byte prepend (OpenDataPlane/odp#1346), FreeBSD's `ext_buf` read for `m_data`.
#
# The `sk_buff`'s is of a third kind: on 64-bit kernels `skb->tail` is an offset from
# `skb->head`, and code that uses it as a pointer misses by a whole kernel address.

# %%
fig, axes = plt.subplots(3, 2, figsize=(10, 9.0))
fig.subplots_adjust(left=0.1, right=0.98, top=0.97, bottom=0.1, hspace=1.05, wspace=0.3)
for ax, lay in zip(axes.flat, layouts.values(), strict=True):
    draw_stack_offset_errors(ax, lay, count=6)
plt.show()
assert [STACKS["netmap"].classic_bug(layouts["netmap"], i).offset_error for i in range(3)] == [
    0,
    65536,
    131072,
]
assert STACKS["af_xdp"].classic_bug(layouts["af_xdp"], 3).offset_error == -256

# %% [markdown]
# ## DPDK's buffers, along its memory
#
# The reference's worked example: with `data_room_size` 1600, mbufs sit 1856 bytes apart, each
# buffer 192 bytes into its object (`rte_mempool_objhdr` padded to a cache line, then the
# 128-byte `struct rte_mbuf`), and its data 128 bytes further on. Mbufs 0, 1 and 5 have their
# first data byte at P + 320, P + 2176 and P + 9600 (P: where the mempool's memory starts).

# %%
dpdk = layouts["dpdk"]
fig, ax = plt.subplots(figsize=(10, 2.8))
fig.subplots_adjust(left=0.02, right=0.98, top=0.88, bottom=0.42)
draw_stack_memory_map(ax, dpdk, count=4, frame_length=1514)
plt.show()
print("first data bytes of mbufs 0, 1, 5:", [STACKS["dpdk"].address(dpdk, i) for i in (0, 1, 5)])
print("a 1514-byte frame leaves", ax.vethlab["frame_overflow"], "bytes for a second mbuf")
assert [STACKS["dpdk"].address(dpdk, i) for i in (0, 1, 5)] == [320, 2176, 9600]

# %% [markdown]
# ## What carries over to a dext
#
# * **A requested size is a request.** netmap keeps it (to 64 bytes), AF_XDP refuses it, the
#   slab allocator and XNU round it up, DPDK spends part of it on headroom. Ask the system what
#   it made (`nr_buf_size`, `buf_len`, a packet's own offsets), never the number you passed.
#   In a dext that means no `i * bufferSize` anywhere: the packet says where its buffer is.
# * **Offsets, not pointers.** netmap's `buf_idx`, AF_XDP's `addr`, the skb's `tail` and `end`
#   and the NDK packet's `GetMemorySegmentOffset()` are offsets. Only a base address turns
#   them into addresses, and each mapping has its own base (notebook 05).
# * **The first data byte is buffer + the data offset, read from the packet.** DPDK's
#   `data_off` moves after a prepend, AF_XDP's data sits 256 bytes in, FreeBSD's `m_adj` moves
#   `m_data`. The dext's equivalent is `getDataOffset()` (**observed**), not `GetHeadroom()`.
# * **Use the stack's own formula.** `NETMAP_BUF`, `xsk_umem__get_data(desc->addr)`,
#   `rte_pktmbuf_mtod`, `skb->data`, `mtod`; in a dext, `getDataVirtualAddress() +
#   getDataOffset()` with a pool made with `PoolFlagMapToDext` (notebook 04).
# * **Headroom can live inside the size you asked for** (DPDK, and the NDK pool's headroom
#   and data offset): what a frame can use is the buffer minus the data offset.

# %% [markdown]
# ## Every stack under one slider
#
# One requested size, one frame length and a buffer index. Every stack shows what it made of
# the size, where buffer i's first data byte is, whether the frame fits, or its refusal: in the
# table and as strips on one byte scale. The `stack` menu picks one of them for the picture
# below the strips: its buffer i region by region (where its formula and its classic bug land)
# beside its classic bug's offset errors, with the source of each value. A stack that refuses
# the request shows its refusal there, with its own error, instead.

# %% tags=["nbval-ignore-output"]
stack_comparison(buffer_size=1600, frame_length=1514, index=1, stack="dpdk")

# %% [markdown]
# What the dashboard shows at 1600 and a 1514-byte frame, as numbers:

# %%
found = compare_stacks(1600, 1514, index=1)
for row in found["rows"]:
    if row["refused"]:
        print(f"{row['stack']:7} refused: {row['returns']}: {row['refused']}")
    else:
        fits = "fits" if row["fits"] else f"{row['short_by']} bytes do not fit"
        print(
            f"{row['stack']:7} buffer {row['buffer_size']:5}  stride {row['stride']:5}  "
            f"usable {row['usable_size']:5}  buffer 1's data at {row['first_data_byte']:5}  {fits}"
        )

# %% [markdown]
# Previous: [09 · exercises](09_exercises.ipynb). Back to the start:
# [01 · the question](01_the_question.ipynb).
#
# ## Things to try
#
# Each answer is folded away: open it when you have tried.
#
# * In the dashboard, move the requested size to 2048. Which stacks change, and why does
#   AF_XDP now answer?
#   <details><summary>Answer</summary>netmap's stride becomes 2048; AF_XDP registers (2048 is
#   its minimum and a power of two) with data 256 bytes into each chunk; DPDK's usable size
#   becomes 1920 (stride 2240) and the frame fits. The skb jumps to kmalloc-4096, since
#   2048 + 320 no longer fits 2048 (3776 usable). The NDK pool and FreeBSD's cluster stay at
#   2048.</details>
# * Pick `af_xdp` in the dashboard's stack menu at 1600, then move the requested size to
#   2048. What takes the refusal's place, and where does the classic bug read?
#   <details><summary>Answer</summary>Below 2048 the menu shows AF_XDP's `-EINVAL` and its
#   reason instead of a picture. At 2048 its chunk appears: the data 256 bytes in
#   (`XDP_PACKET_HEADROOM`), and the classic bug, which forgets that headroom, reads every
#   buffer 256 bytes early.</details>
# * Ask DPDK for `RTE_MBUF_DEFAULT_BUF_SIZE` (2176): `plan_request("dpdk", 2176, 8)`. What is
#   the stride, and how many bytes does a frame get?
#   <details><summary>Answer</summary>Stride 2368 and 2048 usable bytes: the default data
#   room is 2048 *plus* the headroom.</details>
# * `plan_request("skb", 1600, 8, allocator="netdev_alloc_skb")`: where is the first data
#   byte now, and where does the head come from?
#   <details><summary>Answer</summary>64 bytes in (`NET_SKB_PAD`), and from a page fragment of
#   1984 bytes instead of kmalloc-2048.</details>
# * Try AF_XDP in unaligned mode: `plan_request("af_xdp", 3000, 8, mode="unaligned")`. What
#   does the RX descriptor's `addr` hold (`own_fields()["rx_addr"]`)?
#   <details><summary>Answer</summary>The chunk in its low 48 bits and the 256-byte offset in
#   bits 63..48; `xsk_umem__add_offset_to_addr` folds them together.</details>
