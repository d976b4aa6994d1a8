# %% [markdown]
# # The user client: how a frame gets from the dext to the app
#
# The question's dext did not keep its frames: it handed each one to a controlling app. The app
# was told "packets available" by an asynchronous notification and then asked for each packet
# with a `GetPacket` call that returned a C struct, `uint8_t packet_data[1600]` followed by
# `uint32_t packet_size`. Even with the right address, that design has two bugs of its own: a
# frame longer than 1600 bytes is copied past the end of the array, and the struct is sent
# whole, with whatever an earlier frame left in it.
#
# This notebook runs the dext, its user client and the app in vethlab. You will see the
# entitlement check when the app opens the dext, the user client's states, every call between
# app and dext drawn from the run itself, the struct with the bytes a long frame overwrites and
# the bytes a short one leaks, a safe `GetPacket`, and two faster designs (a batch selector and
# a shared read-only mapping of the pool) that deliver the same frames with far fewer calls.
# Two dashboards let you change the frame lengths.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

import vethlab
from vethlab.bench.userclient import measure
from vethlab.driverkit.userclient import ENTITLEMENT_USERCLIENT_ACCESS, USER_CLIENT_MOVES
from vethlab.handoff.app import QuestionApp
from vethlab.handoff.structs import GetPacket_Output, c_declaration
from vethlab.iokit import App, IOServiceClose, IOServiceOpen
from vethlab.ioreturn import IOReturnName
from vethlab.pictures import (
    draw_call_sequence,
    draw_design_comparison,
    draw_output_struct,
    draw_provenance_key,
    draw_state_machine,
)
from vethlab.question.dext import PacketDext
from vethlab.question.runs import compare_designs, deliver, design_costs, frame_of_length
from vethlab.widgets import leak_explorer, struct_explorer
from vethlab.wire.frames import describe, mixed_frames

# %% [markdown]
# Every rule vethlab simulates says where it comes from; the pictures name it in these badges:

# %%
fig, ax = plt.subplots(figsize=(7, 1.6))
draw_provenance_key(ax)
plt.show()

# %% [markdown]
# ## Opening the dext
#
# The app calls `IOServiceOpen`; the system calls the dext's `NewUserClient`, which creates and
# starts an `IOUserClient`. Before that, macOS checks entitlements (**documented**): the app's
# `com.apple.developer.driverkit.userclient-access` must name the dext's bundle identifier, or
# the dext must carry `allow-any-userclient-access`.
#
# Without either, the kernel refuses the open with `kIOReturnNotPermitted` (the code XNU's
# source returns: **observed**). vethlab's IOKit functions work like C's: every call *returns*
# its `kern_return_t` first, and what C passes back through pointers comes after it.
#
# The dext here, `PacketDext`, asks for `bufferSize` 9000 so that jumbo frames fit; on this
# Mac's 64 KiB segments the pool makes that 16384 (XNU's size rule, notebook 01).

# %%
mac = vethlab.Mac("apple-silicon", segment_size=65536, seed=0)
dext = PacketDext(mac, get_packet="question")
dext.Start()
print(dext.pool)

stranger = App(mac, "Stranger")
kr, connect = IOServiceOpen(dext, stranger, 0)
print("without the entitlement:", IOReturnName(kr), connect)

app = App(mac, "FooApp", entitlements={ENTITLEMENT_USERCLIENT_ACCESS: [dext.bundle_identifier]})
kr, connect = IOServiceOpen(dext, app, 0)
print("with it:                ", IOReturnName(kr), connect)

# %% [markdown]
# The user client is a small state machine: one table of legal moves, from which the diagram
# is drawn. An illegal move fails with a code and changes nothing: a call on a closed
# connection answers `kIOReturnNotOpen`. (The state names and the codes for illegal moves are
# **modelled**.)

# %%
for (state, move), after in USER_CLIENT_MOVES.items():
    print(f"{state.name:<8} --{move}--> {after.name}")

# %%
print("close:      ", IOReturnName(IOServiceClose(connect)))
print("close again:", IOReturnName(IOServiceClose(connect)))
fig, ax = plt.subplots(figsize=(8, 3))
draw_state_machine(ax, connect.client)
plt.show()

# %% [markdown]
# ## The app's loop, as the question describes it
#
# The app registers a callback (an asynchronous call whose completion the dext keeps), and the
# dext calls `AsyncCompletion` whenever the network stack hands it packets. The notification
# lands on the app's notification port and runs as a block on the app's dispatch queue; the
# callback then calls `GetPacket` until the dext answers that nothing is pending (with
# `kIOReturnNoFrames`: the code is vethlab's choice, **modelled**). `QuestionApp` does all of
# this; the dext uses today's address method (`getDataVirtualAddress() + getDataOffset()`), so
# every frame is found.

# %%
mac = vethlab.Mac("apple-silicon", segment_size=65536, seed=0)
dext = PacketDext(mac, get_packet="question")
dext.Start()
question_app = QuestionApp(dext, "per_packet")
print("open:", IOReturnName(question_app.open()))

frames = mixed_frames(6, seed=2)
dext.transmit(frames)
print(
    "pending in the dext:",
    len(dext.pending),
    "| blocks waiting on the app's queue:",
    question_app.queue.pending,
)
print("frames the app received:", question_app.run())
for frame in question_app.received:
    print("  ", describe(frame))
print("byte for byte:", question_app.received == frames)

# %% [markdown]
# Every crossing between the two processes was recorded as it happened. The diagram below is
# drawn from that record: calls go right and return a code, the notification comes back
# (dashed), and the callback runs on the app's queue.

# %%
fig, ax = plt.subplots(figsize=(8, 4))
draw_call_sequence(ax, question_app.trace)
plt.show()
for event in question_app.trace.events:
    print(f"{event.step:>2} {event.kind:<8} {event.name:<22} {event.kr_name}")

# %% [markdown]
# ## The struct, and what a long frame does to it
#
# `GetPacket_Output` is declared once, as a numpy dtype with C's layout, and printed from it:

# %%
print(c_declaration(GetPacket_Output, "GetPacket_Output"))

# %% [markdown]
# The question's code stores `packet_size`, then copies `getDataLength()` bytes into
# `packet_data` without a bound (**reported**). In vethlab the struct is a local on the dext's
# stack, followed by 2048 bytes of stack and then the stack's end (**modelled**). A frame of
# 1,602 bytes overwrites half of `packet_size`; 1,700 bytes overwrite all of it and 96 bytes of
# the stack after the struct; a frame longer than struct and stack together runs off the end:
# the dext takes a simulated `EXC_BAD_ACCESS` and dies, and the app's call returns
# `kIOReturnNotResponding` (which code a real app sees is **modelled**). The record of each call
# says exactly which bytes were overwritten, and where the copy faulted. The app believes
# `packet_size`, but never copies more than the array's 1600 bytes (vethlab's app,
# **modelled**): an overwritten size gets it the first 1600 bytes of the frame.

# %%
for length in (1500, 1602, 1700, 3700):
    run = deliver([frame_of_length(length)], "per_packet", get_packet="question", close=False)
    record = run.dext.records[-1]
    print(
        f"{length}-byte frame: packet_size sent {record.packet_size_returned}, "
        f"app got {run.app.error_names() or [len(f) for f in run.received]}"
    )
    for start, end, region in record.overwritten():
        what = "faulted, never written" if region == "past the stack" else "overwritten"
        print(f"    {what}: bytes {start}..{end - 1} ({region})")

# %%
run = deliver([frame_of_length(1700)], "per_packet", get_packet="question", close=False)
fig, ax = plt.subplots(figsize=(10, 2.4))
draw_output_struct(ax, run.dext.records[-1])
plt.show()

# %% [markdown]
# The dashboard copies one frame of the length you choose. This plain cell moves its slider and
# prints what it shows:

# %%
explorer = struct_explorer(1700)
for length in (1600, 1604, 2000, 3652, 3653, 9000):
    explorer.vethlab_controls["length"].value = length
    state = explorer.vethlab_state
    print(
        f"{length:>5}: overwritten {[(a, b) for a, b, _ in state['overwritten']]}, "
        f"dext crashed: {state['crashed']}"
    )
explorer.vethlab_controls["length"].value = 1700

# %% tags=["nbval-ignore-output"]
explorer

# %% [markdown]
# ## The leak: sending the whole struct
#
# The question's code returns `sizeof(GetPacket_Output)`, all 1604 bytes, of a struct it never
# cleared. In vethlab the struct sits at the same place on the stack at every call
# (**modelled**), so after a 1,500-byte frame, a 100-byte frame goes out with 1,400 bytes of the
# earlier frame behind it. The app may ignore them, but they have left the dext: whatever an
# earlier frame carried (someone else's traffic) is now in the app's memory. Each frame's payload
# repeats its number, and the record names the frames by the host's serial: the first frame
# sent is serial 0.

# %%
first, second = frame_of_length(1500, 0), frame_of_length(100, 1)
run = deliver([first, second], "per_packet", get_packet="question")
record = run.dext.records[-1]
print("frames delivered right:", run.identical)
print("stale runs in the second output (start, end, frame serial):", record.leaked())
print("bytes 100..139 of what the app received:", record.output[100:140])

# %%
fig, ax = plt.subplots(figsize=(10, 2.4))
draw_output_struct(ax, record)
plt.show()

# %% [markdown]
# The second dashboard sends two frames of the lengths you choose and shows the struct the
# second `GetPacket` returned. The same claims, checked in a plain cell:

# %%
leaks = leak_explorer(1500, 100)
for previous, current, variant in (
    (1500, 100, "question"),
    (800, 600, "question"),
    (600, 800, "question"),
    (1500, 100, "safe"),
):
    leaks.vethlab_controls["variant"].value = variant
    leaks.vethlab_controls["previous"].value = previous
    leaks.vethlab_controls["current"].value = current
    print(
        f"{variant:<8} {previous:>4} then {current:>4}: {leaks.vethlab_state['leaked_bytes']} stale bytes"
    )
leaks.vethlab_controls["variant"].value = "question"
leaks.vethlab_controls["previous"].value = 1500
leaks.vethlab_controls["current"].value = 100

# %% tags=["nbval-ignore-output"]
leaks

# %% [markdown]
# ## A safe GetPacket
#
# The safe version checks the length first and refuses a frame that does not fit with a clear
# code, `kIOReturnMessageTooLarge` (the frame is dropped: a choice of this dext), clears the
# struct, copies only the frame and sets `packet_size`. Nothing after the frame is anything but
# zero. The two codes below are real, but Apple's header gives them other meanings:
# `kIOReturnNoFrames` is "no DMA frames enqueued" and `kIOReturnMessageTooLarge` "oversized msg
# received on interrupt port". Using them for "no packet waiting" and "the frame does not fit"
# is vethlab's choice (**modelled**). As a dispatch-table function in a dext (`getPacket()` is
# the provider's own helper, as in the question; so is `completePacket()`, which hands the
# packet back: on a real interface with `EnqueuePacket` on the TX completion queue, in vethlab
# by freeing it to the pool):
#
# <!-- cpp: needs:
# struct GetPacket_Output { uint8_t packet_data[1600]; uint32_t packet_size; };
# class FooDriver : public IOUserNetworkEthernet {
# public:
#     IOUserNetworkPacket *getPacket();                  // the provider's own helpers
#     void completePacket(IOUserNetworkPacket *packet);
# };
# struct FooUserClient_IVars { FooDriver *provider; };
# class FooUserClient : public IOUserClient {
# public:
#     static kern_return_t StaticGetPacket(OSObject *target, void *reference,
#                                          IOUserClientMethodArguments *arguments);
#     FooUserClient_IVars *ivars;                        // iig declares it in the real class
# };
# -->
# ```cpp
# // Dispatch entry for kGetPacket: checkStructureOutputSize = sizeof(GetPacket_Output), so a
# // caller whose output buffer has another size gets kIOReturnBadArgument before this runs.
# kern_return_t FooUserClient::StaticGetPacket(OSObject *target, void *reference,
#                                              IOUserClientMethodArguments *arguments)
# {
#     FooUserClient *self = (FooUserClient *)target;
#     IOUserNetworkPacket *packet = self->ivars->provider->getPacket();
#     if (packet == nullptr) {
#         return kIOReturnNoFrames;                         // nothing pending (vethlab's choice)
#     }
#     uint32_t length = packet->getDataLength();
#     if (length > sizeof(GetPacket_Output::packet_data)) {
#         self->ivars->provider->completePacket(packet);    // it can never fit: drop it
#         return kIOReturnMessageTooLarge;
#     }
#     GetPacket_Output output = {};                         // zeroed: nothing stale can leave
#     const uint8_t *frame = (const uint8_t *)(uintptr_t)packet->getDataVirtualAddress()
#                            + packet->getDataOffset();
#     memcpy(output.packet_data, frame, length);
#     output.packet_size = length;
#     self->ivars->provider->completePacket(packet);        // copied: the packet can go back
#     arguments->structureOutput = OSData::withBytes(&output, sizeof(output));
#     return arguments->structureOutput != nullptr ? kIOReturnSuccess : kIOReturnNoMemory;
# }
# ```

# %%
run = deliver(
    [first, second, frame_of_length(1700, 2)], "per_packet", get_packet="safe", close=False
)
record = run.dext.records[1]
print("received:", [len(f) for f in run.received], "errors:", run.app.error_names())
print(
    "after the 100-byte frame, the output holds only zeros:",
    record.output[100:1600] == bytes(1500),
    "| packet_size:",
    record.packet_size_returned,
)
print("stale bytes:", record.leaked_bytes, "| overwritten:", record.overwritten())

# %% [markdown]
# ## Faster designs
#
# One call per frame costs a round trip through the kernel per frame. Two other designs move
# the same frames with fewer crossings (both are **modelled**: vethlab's designs, built from
# documented parts):
#
# * **batch**: `GetPackets` fills a 64 KiB buffer with as many frames as fit. Structures over
#   4096 bytes travel out of line (**documented**), so the dext maps the app's buffer and writes
#   records into it.
# * **shared mapping**: the app maps the pool's memory read-only with `IOConnectMapMemory64`
#   (the dext offers it in `CopyClientMemoryForType` with `kIOUserClientMemoryReadOnly`); each
#   notification carries up to 8 `(offset, length)` pairs in its 16 values; the app copies the
#   frames from *its own* mapping, at its own address, and hands the packets back with one
#   `CompleteFrames` call.
#
# All three deliver the same frames, byte for byte:

# %%
frames = mixed_frames(64, seed=5)
runs = compare_designs(frames, get_packet="safe", packets=64)
for design, run in runs.items():
    calls = [e for e in run.app.trace.events if e.kind == "call"]
    notes = [e for e in run.app.trace.events if e.kind == "notify"]
    print(
        f"{design:<15} identical: {run.identical}  calls: {len(calls):>3}  notifications: {len(notes)}"
    )

# %% [markdown]
# ## What each design costs, counted
#
# Instead of timing the designs, vethlab counts what each one does for every frame it delivers,
# from opening the app to closing it (the counting is **modelled**: which events count, and that
# each costs the same, is vethlab's choice; the numbers are the same on every machine):
#
# * **calls** are calls that enter the kernel: `IOServiceOpen`, every `IOConnectCall…Method`
#   (the empty `GetPacket` that ends each round too), `IOConnectMapMemory64`, `IOServiceClose`.
# * **copies** are the times a frame's bytes are copied from one buffer or address space to
#   another: `GetPacket`'s `memcpy` into the struct on the dext's stack, the kernel's copy of the
#   struct out to the app (`OSData::withBytes` and the reply counted as one), a batch record
#   written into the app's buffer, the app's copy of a frame out of its mapping of the pool.
# * **bytes copied** adds up the bytes of those copies: the per-packet design sends all 1604
#   bytes of the struct for every frame, whatever its length.
# * **notifications** are the `AsyncCompletion` messages that ran the app's callback: one per
#   round for "packets available", one per 8 frames for the shared mapping's pairs.
#
# The same 64 frames as above, in one round:

# %%
costs = design_costs(frames, get_packet="safe", packets=64)
print(f"{'per frame':<15}{'calls':>7}{'copies':>8}{'bytes copied':>14}{'notifications':>15}")
for design, row in costs.items():
    print(
        f"{design:<15}{row['calls_per_frame']:>7.3f}{row['copies_per_frame']:>8.2f}"
        f"{row['bytes_copied_per_frame']:>14,.1f}{row['notifications_per_frame']:>15.3f}"
    )
print(f"mean frame length: {sum(len(f) for f in frames) / len(frames):.1f} bytes")

# %% [markdown]
# Per packet, every frame costs a call, two copies and the whole struct; the batch and the
# shared mapping cost a few calls per round, whatever the round's size, and copy each frame
# once. The shared mapping pays in notifications instead: 16 values carry only 8 frames.

# %%
shared = runs["shared_mapping"]
print(shared.dext.pool)
print(f"the dext's mapping of the pool: 0x{shared.dext.pool.dext_mapping.GetAddress():x}")
print(
    f"the app's mapping of the pool:  0x{shared.app.pool_address:x} "
    f"({shared.app.pool_size} bytes, read-only)"
)

# %% [markdown]
# Jumbo frames (up to 9000 bytes) do not fit the question's struct: the safe `GetPacket` refuses
# them, the other two designs carry them.

# %%
jumbo = mixed_frames(32, seed=3, max_len=9000)
for design, run in compare_designs(jumbo, get_packet="safe").items():
    print(
        f"{design:<15} received {len(run.received)}/{len(jumbo)}, errors: "
        f"{sorted(set(run.app.error_names()))}"
    )

# %% [markdown]
# How fast? The benchmark below times each design on this machine, and beside them, the limit:
# a bare loop that copies the same frames out of a numpy buffer with no simulation at all
# (`vethlab bench userclient` prints the same, with the counted costs beside). These are speeds
# of vethlab's simulation in Python, not of macOS. Timings change from run to run, so this
# cell's output is not checked; the counted costs above are what the lesson is about.

# %% tags=["nbval-ignore-output"]
result = measure(frames_per_round=256, repeat=10)
fig, ax = plt.subplots(figsize=(9, 2.6))
draw_design_comparison(ax, result)
plt.show()
print({name: f"{share:.0%}" for name, share in result["ratios"].items()}, "of the bare loop")

# %% [markdown]
# Previous: [01 · the question](01_the_question.ipynb). Next: [03 · the pool
# layout](03_pool_layout.ipynb) explores where every buffer of the pool lives.
#
# ## Things to try
#
# * In the first dashboard, find the longest frame that leaves `packet_size` intact, and the
#   first length that crashes the dext. Then leave only 16 bytes of stack after the struct
#   (`struct_explorer(1700, guard=16)`, or `deliver(..., guard=16)`): how long a frame does the
#   dext survive now?
# * Send three frames of 1,500, 900 and 100 bytes through the question's `GetPacket`: whose
#   bytes leak with the last one? (`record.leaked()` names the frames by serial.)
# * Run `deliver(frames, "per_packet", address_method="first_attempt", quirk=True,
#   buffer_size=1600)`: the whole user client works, and every frame the app gets is junk.
# * Give the app no entitlement (`QuestionApp(dext, entitlements={})`), then give the dext
#   `allow_any_app=True` instead.
# * Count the costs of rounds of 8 frames instead of 64 (`design_costs(frames, packets=8)`):
#   which figures change, and for which design?
# * Time small rounds against the default 256 frames (`measure(frames_per_round=32)` here, or
#   `vethlab bench userclient --userclient-frames 32` in a terminal): which design suffers most,
#   and why?
