# %% [markdown]
# # Mapping memory
#
# [Inside one buffer](04_one_buffer.ipynb) used addresses as if they were simply there. They are
# not: memory gets an address only when something maps it, and only in the task that mapped it.
# This notebook starts with a memory descriptor, which names memory without giving it an
# address, and maps it into two tasks: the same bytes, two addresses. Then the pool's own
# descriptor, mapped by the kernel and by the dext, and what is left of an address once its
# mapping is released. Then two traps that crash real drivers: forgetting `PoolFlagMapToDext`,
# which turns every packet's "address" into an offset, and assuming 4 KiB pages on a Mac whose
# pages are 16 KiB. You will see a simulated fault, the
# model of `EXC_BAD_ACCESS`, and a dashboard to explore mappings yourself.
#
# Provenance: the calls and their arguments are **documented** in DriverKit's headers; the page
# sizes and the `PoolFlagMapToDext` behaviour are **observed** on real Macs; where a mapping
# lands, the guard page after it and which error a refused mapping gives are **modelled**.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

import vethlab
from vethlab.driverkit.memory import kIOMemoryDirectionInOut
from vethlab.pictures.mappings import draw_mappings
from vethlab.traps import trap_title
from vethlab.widgets.mapping_explorer import ASSUMED_PAGE_SIZE, build_scene, mapping_explorer
from vethlab.wire.frames import APP, HOST, describe, icmp_echo_request
from vethlab.wire.host import HostStack

# %% [markdown]
# ## A descriptor has no address until it is mapped
#
# The dext allocates 8 KiB with `IOBufferMemoryDescriptor::Create`. The descriptor knows its
# length, not an address. `CreateMapping` gives it one in the dext; vethlab's `into=` argument
# maps the same descriptor into the app as well (on a Mac the app gets such a mapping through
# its user client, with `IOConnectMapMemory64`; notebook 02 shows that path).

# %%
mac = vethlab.Mac("apple-silicon", segment_size=65536, seed=0)
dext_task = mac.task("dext")
app_task = mac.task("app")
shared = vethlab.IOBufferMemoryDescriptor.Create(kIOMemoryDirectionInOut, 8192, task=dext_task)
in_dext = shared.CreateMapping(0, 0, 0, 0, 0)
in_app = shared.CreateMapping(0, 0, 0, 0, 0, into=app_task)
print(f"descriptor length  {shared.GetLength()}")
print(f"dext mapping       0x{in_dext.GetAddress():x}, {in_dext.GetLength()} bytes")
print(f"app mapping        0x{in_app.GetAddress():x}, {in_app.GetLength()} bytes")

# %% [markdown]
# Two addresses, one memory: what the dext writes through its mapping, the app reads through
# its own.

# %%
dext_task.write(in_dext.GetAddress() + 16, b"hello from the dext")
print(app_task.read(in_app.GetAddress() + 16, 19))

# %%
fig, ax = plt.subplots(figsize=(10, 6))
fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.01)
draw_mappings(ax, shared, dext_task, app_task)
plt.show()

# %% [markdown]
# Each mapping is made of whole pages: 8192 bytes asked for, a 16384-byte page mapped. The
# hatched part of each band is readable too. Keep that in mind for the page-size trap below.
#
# ## The pool's descriptor: the kernel's mapping and the dext's
#
# A pool is one descriptor over all its buffers (`CopyMemoryDescriptor`). The kernel maps it,
# because the network stack writes frames there; with `PoolFlagMapToDext` the pool maps it into
# the dext too. A packet knows its buffer's offset in the pool and, once the pool is mapped
# into the dext, the buffer's address there: that address is what `getDataVirtualAddress()`
# returns.

# %%
service = vethlab.IOService(mac, "dext")
options = vethlab.IOUserNetworkPacketBufferPoolOptions(
    packetCount=32,
    bufferCount=32,
    bufferSize=2048,
    maxBuffersPerPacket=1,
    poolFlags=vethlab.PoolFlagMapToDext,
)
pool = vethlab.IOUserNetworkPacketBufferPool.CreateWithOptions(service, "FooBuffer", options)
host = HostStack(pool)
sent = [host.transmit(icmp_echo_request(HOST, APP, 1, seq), headroom=8) for seq in range(22)]
packet = sent[21]
offset = pool.layout.buffer_offset(21)
print(f"buffer 21 is at pool offset      0x{offset:x}")
print(f"in the kernel's mapping it is at 0x{pool.kernel_mapping.address_of(offset):x}")
print(f"in the dext's mapping it is at   0x{pool.dext_mapping.address_of(offset):x}")
print(f"getDataVirtualAddress()          0x{packet.getDataVirtualAddress():x}")

# %% [markdown]
# The kernel wrote the frame through its mapping; the dext reads it through its own, at
# `getDataVirtualAddress() + getDataOffset()`, and gets the same bytes.

# %%
frame = dext_task.read(
    packet.getDataVirtualAddress() + packet.getDataOffset(), packet.getDataLength()
)
print(describe(frame))
print(frame == packet.frame_bytes())

# %%
fig, ax = plt.subplots(figsize=(10, 6))
fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.01)
draw_mappings(ax, pool, dext_task, mac.kernel, buffer=21)
plt.show()

# %% [markdown]
# An address is only good while its mapping lives. Here the dext maps the pool once more with
# `CreateMapping`, reads the frame through that mapping, then lets the mapping go (`unmap` is
# what releasing the map's last reference does in C; **modelled**). The same address now faults:
# trap 10 (mapping used after it is released).

# %%
own = pool.CopyMemoryDescriptor().CreateMapping(0, 0, 0, 0, 0)
address = own.address_of(offset) + packet.getDataOffset()
print(
    f"through its own mapping, 0x{address:x}:",
    describe(dext_task.read(address, packet.getDataLength())),
)
own.unmap()
print(trap_title(10))
try:
    dext_task.read(address, 14)
except vethlab.SimulatedFault as fault:
    print(fault)

# %% [markdown]
# ## Trap 5: a pool without `PoolFlagMapToDext`
#
# Trap 5 (pool not mapped to the dext). Leave `PoolFlagMapToDext` out of the options and
# nothing maps the pool into the dext. The
# packets still answer `getDataVirtualAddress()`, but with the buffer's offset in the pool:
# 0xa800 for buffer 21. A driver author saw exactly these numbers (0xa800, 0xc000, 0xd800) as
# crash addresses on a real Mac, and the crash loop that followed panicked it (observed).
# Reading there is a fault. (The deprecated `Create`, which the question used, takes no flags;
# vethlab treats it like this pool, which is modelled: nobody has said what it maps.)

# %%
mac_b = vethlab.Mac("apple-silicon", segment_size=65536, seed=0)
service_b = vethlab.IOService(mac_b, "dext")
options_b = vethlab.IOUserNetworkPacketBufferPoolOptions(
    packetCount=32, bufferCount=32, bufferSize=2048, maxBuffersPerPacket=1, poolFlags=0
)
pool_b = vethlab.IOUserNetworkPacketBufferPool.CreateWithOptions(service_b, "FooBuffer", options_b)
not_an_address = pool_b.packets[21].getDataVirtualAddress()
print(f"getDataVirtualAddress() = 0x{not_an_address:x}")
print(f"the dext's mapping of the pool: {pool_b.dext_mapping}")
try:
    service_b.task.read(not_an_address, 14)
except vethlab.SimulatedFault as fault:
    print(fault)

# %%
fig, ax = plt.subplots(figsize=(10, 6))
fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.01)
draw_mappings(
    ax,
    pool_b,
    service_b.task,
    mac_b.kernel,
    buffer=21,
    probes=[(service_b.task, not_an_address, "getDataVirtualAddress()")],
)
plt.show()

# %% [markdown]
# ## Trap 8: pages are 16 KiB on Apple silicon
#
# Trap 8 (page size taken as 4096). `IOVMPageSize` is 4096 on an Intel Mac and 16384 on Apple
# silicon (**source**: XNU's page sizes). Code written with 4096 in mind goes wrong in two ways
# here.
#
# First, a mapping covers whole pages. The app below maps 4096 bytes of the pool, starting at
# offset 0x1000. On Intel those 4096 bytes are exactly one page, so the mapping ends where its
# page ends, and what follows is whatever the task has mapped there: in vethlab, a guard page
# (modelled), so a runaway read faults. On Apple silicon a page is 16 KiB, so the same 4096
# bytes sit inside one larger page, and the whole page is mapped. The byte just after the 4096
# is still in that page: reading it succeeds, on every Apple-silicon Mac, and returns another
# buffer's bytes (pool offset 0x2000) instead of faulting.

# %%
for profile in ("intel", "apple-silicon"):
    scene = build_scene(profile=profile, offset=0x1000, length=0x1000)
    app_map = scene["app_mapping"]
    end = app_map.GetAddress() + app_map.GetLength()
    print(
        f"{profile}: GetAddress() 0x{app_map.GetAddress():x}, "
        f"GetLength() 0x{app_map.GetLength():x}, "
        f"pages 0x{app_map.page_start:x}..0x{app_map.page_end:x}"
    )
    try:
        scene["app"].read(end, 1)
        print(
            f"    one byte past the end (0x{end:x}) reads pool offset 0x{app_map.offset_of(end):x}"
        )
    except vethlab.SimulatedFault as fault:
        print(f"    one byte past the end: {fault}")

# %%
fig, axes = plt.subplots(2, 1, figsize=(10, 12))
fig.subplots_adjust(left=0.01, right=0.99, top=0.96, bottom=0.01, hspace=0.12)
for ax, profile in zip(axes, ("intel", "apple-silicon")):
    scene = build_scene(profile=profile, offset=0x1000, length=0x1000)
    draw_mappings(ax, scene["pool"], scene["dext"], scene["app"], buffer=2, probes=scene["probes"])

# %% [markdown]
# Second, an address aligned to 4096 is not aligned to a 16 KiB page. Asking for a mapping at
# such a fixed address (`kIOMemoryMapFixedAddress`) works on Intel and is refused on Apple
# silicon. (A mapping starts on a page; the refusal's code, `kIOReturnNotAligned`, is
# modelled.)

# %%
for profile in ("intel", "apple-silicon"):
    scene = build_scene(profile=profile)
    app = scene["app"]
    fixed = app.space.base + ASSUMED_PAGE_SIZE
    try:
        where = (
            scene["pool"]
            .CopyMemoryDescriptor()
            .CreateMapping(vethlab.kIOMemoryMapFixedAddress, fixed, 0, 0x4000, 0, into=app)
        )
        print(f"{profile}: mapped at 0x{where.GetAddress():x}")
    except vethlab.IOReturnError as error:
        print(f"{profile}: {error}")
        print(f"    is kIOReturnNotAligned: {error.code == vethlab.kIOReturnNotAligned}")

# %% [markdown]
# ## Dashboard: explore the mappings
#
# Switch the page size, turn `PoolFlagMapToDext` off and on, choose the buffer to follow, and move
# the offset and length of the app's `CreateMapping`. A green dot is a read of bytes that were
# asked for; a vermillion cross is a read that faults (simulated) or that works on bytes nobody
# asked for: its label says which. A `CreateMapping` the model refuses stays on screen: the
# call is struck out with its IOReturn, and the app's column says REFUSED. The offset and
# length read out in hex, as the call is written. (A dext's `CreateMapping` maps into the
# dext; the app's mapping here is vethlab's shortcut for what the app gets from
# `IOConnectMapMemory64`, with the offset and length of a sub-descriptor the dext would hand
# out.) The plain cells above checked what
# it shows: without the flag, buffer 21's "address" 0xa800 faults in the dext; the byte past a
# 4096-byte mapping faults on 4 KiB pages and reads pool offset 0x2000 on 16 KiB pages.

# %% tags=["nbval-ignore-output"]
explorer = mapping_explorer()
explorer

# %% [markdown]
# Next: [the interface, end to end](06_interface_end_to_end.ipynb), where the dext, its queues
# and the app run together.
#
# ## Things to try
#
# Each answer is folded away: open it when you have tried.
#
# * In the dashboard, set the length to 0 (map to the end of the pool) and move the buffer
#   slider: where does the app's address of each buffer come from?
#   <details><summary>Answer</summary>From the app's own mapping: its `GetAddress()` plus the
#   buffer's offset in the pool (buffer i at i × 2048), minus the mapping's offset (0 here). The
#   dext's `getDataVirtualAddress()` is the same offset added to the dext's mapping: same bytes,
#   two addresses.</details>
# * With 4 KiB pages, move the offset to 0x1800: the mapping no longer starts on a page. What
#   does `GetAddress()` return, and which bytes can the app read before it?
#   <details><summary>Answer</summary>An address 0x800 past a page boundary: the mapping covers
#   the whole pages from pool offset 0x1000 to 0x3000, and `GetAddress()` points at 0x1800 in
#   them. The 2048 bytes before it (pool offsets 0x1000 to 0x17ff, all of buffer 2) are readable
#   too, though the app never asked for them.</details>
# * Turn `PoolFlagMapToDext` off and follow buffers 21, 24 and 27: compare the crosses with the
#   crash addresses a driver author saw on a real Mac.
#   <details><summary>Answer</summary>`getDataVirtualAddress()` gives 0xa800, 0xc000 and 0xd800,
#   each buffer's offset in the pool (21, 24 and 27 × 2048), and reading there faults: the same
#   three addresses as on the real Mac.</details>
# * Tick "fixed address aligned to 4096" and switch between the page sizes.
#   <details><summary>Answer</summary>With 4 KiB pages the app's mapping lands at the fixed
#   address. With 16 KiB pages it is refused with `kIOReturnNotAligned`: the address is a
#   multiple of 4096 but not of 16384.</details>
# * In the first section, map only part of `shared` with `CreateMapping(0, 0, 4096, 4096, 0)`:
#   which addresses can the dext read now?
#   <details><summary>Answer</summary>`GetAddress()` is 4096 bytes into a 16 KiB page, and the
#   whole page is mapped: the dext can read from the page's first byte (4096 bytes before
#   `GetAddress()`) up to its last, 16384 bytes in all. The first address that faults is the
#   page's end.</details>
