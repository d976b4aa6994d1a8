# %% [markdown]
# # The interface, end to end
#
# The earlier notebooks looked at one pool and one packet at a time. A real virtual Ethernet
# dext sits between two parties: the Mac's network stack, which hands it frames through four
# packet queues, and its controlling app, which takes those frames and sends frames back. This
# notebook runs all of it: a dext built the way Apple's sample builds one, the kernel's side of
# the queues, and an app that answers ARP and ping.
#
# You will see the interface come up (and a queue refuse to work before that), one ping travel
# step by step with a picture of where every packet is after each step, the frames dissected,
# the queues fill, overflow and drain during a burst, trap 11 (edge-triggered doorbell drained
# once), a native-flow frame that the question's fix reads 2 bytes early, a pcap of 100 pings that
# Wireshark reads, and, where the machine allows it, a real Linux kernel pinging the app
# through a TAP device. A dashboard replays a burst one dispatch step at a time.
#
# Provenance: the queue and interface calls, the data flow between the queues and the constants
# are **documented** by Apple; queues that refuse to work before `SetInterfaceEnable(true)`, the
# edge-triggered doorbell and the 2-byte native-flow offset are **observed** by driver authors;
# the app's `PutPacket` selector, the error codes of refusals, when the kernel frees and
# restocks packets and the step-by-step scheduling are **modelled**. Each arrow of the queue
# pictures is drawn in its label's line style (the key is under the picture).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

import vethlab
from vethlab.model.scheduler import scheduler_of
from vethlab.networkingdriverkit.ethernet import INTERFACE_MOVES, LINK_STATUSES
from vethlab.networkingdriverkit.queues import QUEUE_MOVES
from vethlab.pictures import draw_occupancy, draw_provenance_key, draw_queues, draw_states
from vethlab.ping.app import Responder
from vethlab.ping.tap_link import TapLink
from vethlab.traps import trap_title
from vethlab.widgets import queue_stepper
from vethlab.wire.frames import (
    APP,
    HOST,
    arp_request,
    describe,
    fields,
    format_mac,
    icmp_echo_request,
    is_reply_to,
    validate,
)
from vethlab.wire.pcap import read_pcap
from vethlab.wire.tap import tap_available

# %% [markdown]
# The five labels, as the badges the pictures below carry:

# %%
fig, ax = plt.subplots(figsize=(8, 1.3))
draw_provenance_key(ax)
plt.show()

# %% [markdown]
# ## The dext starts, the interface comes up
#
# `VirtualEthernetDext` follows Apple's sample. In `Start` it creates its pool with
# `PoolFlagMapToDext`, the four queues on its "Default" dispatch queue and the action for the TX
# doorbell; it reports its media types, reserves 8 bytes of TX headroom and registers the
# interface with exactly one queue of each kind. The queues are born disabled.

# %%
mac = vethlab.Mac("apple-silicon", segment_size=65536, seed=0)
dext = vethlab.VirtualEthernetDext(mac, packets=32, capacities=8)
print(dext.interface_state.name)
dext.Start()
print(dext.interface_state.name, "|", dext.pool)
for kind, queue in dext.queues.items():
    print(f"  {kind.title:14} capacity {queue.capacity}  {queue.state.name}")

# %% [markdown]
# A driver author who enabled the queues in `Start` got `kIOReturnNotReady` from two of them, and
# the stack never sent anything; enabling them in `SetInterfaceEnable(true)` worked (observed).
# Why is not known. vethlab models one part of it: a queue refuses `SetEnable(true)` until
# `RegisterEthernetInterface` has taken it (modelled; a registered queue enabled at the end of
# `Start` is accepted here). Here is a fifth queue, one that no interface has taken:

# %%
stray = vethlab.IOUserNetworkTxSubmissionQueue.Create(
    dext.pool, dext, 8, 0, dext.CopyDispatchQueue()
)
try:
    stray.SetEnable(True)
except vethlab.IOReturnError as error:
    print(error.name, "|", error.message)
print("still", stray.state.name)

# %% [markdown]
# The kernel's side of the queues is vethlab's `HostStack`; the app is a `Responder`, which opens
# the dext's user client (the question's selectors, plus `PutPacket`). While the interface is
# down, nothing can be sent.

# %%
host = vethlab.HostStack(dext.pool)
host.attach(dext)
app = Responder(dext)
print("the app opens the dext:", vethlab.IOReturnName(app.open()))
print("sending now:", host.send(arp_request(HOST, APP.ipv4)).dropped)

# %% [markdown]
# `ifconfig up`: the system calls `SetInterfaceEnable(true)`, where the dext enables its four
# queues and reports its link; then the kernel stocks RX submission with empty packets for the
# dext to fill (when it does so is modelled). vethlab has only the capitalised
# `SetInterfaceEnable`, as Apple's sample driver overrides it. On a real Mac, though, the
# network stack calls the lowercase `setInterfaceEnable` of current SDKs. The author of a USB
# Ethernet dext (stewartallen/smsc95xx-macos, in its `reference/m4-interface.txt`) found that a
# dext overriding only the deprecated capitalised method "compiles, loads, and silently does
# nothing" (**observed**, by one driver author; Apple does not say so). Override the lowercase
# method, and chain to the superclass from it.

# %%
host.up()
print(dext.interface_state.name, "| link", LINK_STATUSES[dext.link_status])
print({kind.title: queue.state.name for kind, queue in dext.queues.items()})

# %%
fig, axes = plt.subplots(2, 1, figsize=(10, 4.4))
draw_states(axes[0], INTERFACE_MOVES, dext.interface_state, title="the interface (INTERFACE_MOVES)")
draw_states(axes[1], QUEUE_MOVES, dext.txs.state, title="each of its queues (QUEUE_MOVES)")
plt.show()

# %% [markdown]
# ## One ping, step by step
#
# Before its first IPv4 frame to the app, the stack needs the app's MAC address, so it sends an
# ARP request. Each square below is a packet of the pool, in the box of the place it is in:
# eight empty packets wait on RX submission, one on TX submission holds the request
# (outlined). The arrows are every move the model allows; the dashed ones are moves it refuses.

# %%
request = host.send(arp_request(HOST, APP.ipv4))
print(f"packet {request.packet}: {describe(request.frame)}")
scheduler = scheduler_of(mac)
print("waiting to run:", scheduler.pending())

# %%
fig, ax = plt.subplots(figsize=(11, 7.6))
draw_queues(ax, dext, highlight=request.packet)
plt.show()

# %% [markdown]
# The packet arrived on an empty TX submission queue, so the doorbell rang: the dext's
# `TxPacketAvailable` waits on its dispatch queue. One step runs it. The dext dequeues the
# packet, keeps it until the app has taken the frame, and tells the app "packets available"
# (`AsyncCompletion`).

# %%
scheduler.step()
print("ran:", list(scheduler.trace))
print(
    "held by the dext:",
    [p.index for p in dext.pending],
    "| notifications for the app:",
    app.waiting,
)

# %% [markdown]
# The app runs. `GetPacket` copies the frame out (the dext reads it at
# `getDataVirtualAddress() + getDataOffset()`) and completes the packet on TX completion. The
# app answers with an ARP reply; `PutPacket` takes an empty packet from RX submission, writes
# the reply into it and enqueues it on RX completion.

# %%
app.run()
print("the app got:", [describe(f) for f in app.received])
print("and put:    ", [describe(f) for f in app.replies])

# %%
fig, ax = plt.subplots(figsize=(11, 7.6))
draw_queues(ax, dext, highlight=request.packet)
plt.show()

# %% [markdown]
# Both completion queues rang the kernel's doorbell. The kernel reclaims the TX packet and tops
# RX submission up to 8 again; then it takes the reply, checks it and learns the app's MAC, as
# `arp -a` would show it. RX submission being full, the reply's packet goes back to the pool
# (where these packets go is modelled).

# %%
scheduler.run()
print("ran so far:", list(scheduler.trace))
print(
    "received:",
    [describe(r.frame) for r in host.received],
    "| problems:",
    host.received[0].problems,
)
print(f"request {request.serial} answered by received frame {request.answered_by}")
print({APP.ipv4_text: format_mac(host.neighbors[APP.ipv4])})

# %% [markdown]
# Now the ping itself: one echo request, the same path, every step at once.

# %%
echo = host.send(icmp_echo_request(HOST, APP, 0x7668, 1))
scheduler.run()
app.run()
scheduler.run()
reply = host.received[echo.answered_by].frame
print(describe(echo.frame))
print(describe(reply))
print("the reply answers the request:", is_reply_to(reply, echo.frame))

# %% [markdown]
# ## The frames, dissected
#
# Everything that crossed the interface, both ways, as a capture on it would show it. Each frame
# is checked: lengths, the IPv4 header checksum, the ICMP checksum.

# %%
for direction, frame in host.capture:
    print(
        f"{direction:>3}  {len(frame):3} bytes  {describe(frame):42}  {validate(frame) or 'valid'}"
    )

# %% [markdown]
# The echo reply, field by field (`vethlab.wire.frames.fields`, read off dpkt's own header tables):

# %%
for name, start, end in fields(reply):
    shown = reply[start : min(end, start + 12)].hex(" ") + (" ..." if end - start > 12 else "")
    print(f"{start:3}..{end:<3} {name:14} {shown}")

# %% [markdown]
# ## Queues fill, overflow and drain
#
# `VirtualLink` wires everything above together (it is what `vethlab ping` runs). Send 12 pings
# at once at queues that hold 8: the stack cannot submit the last 4, and says why.

# %%
link = vethlab.VirtualLink(packets=32, capacities=8)
history = [vethlab.where(link.pool)]
for seq in range(1, 13):
    link.host.send(icmp_echo_request(HOST, APP, 0x7668, seq))
    history.append(vethlab.where(link.pool))
print([record.dropped for record in link.host.sent])
while link.step():
    history.append(vethlab.where(link.pool))
link.settle()
history.append(vethlab.where(link.pool))
print(link.accounting())

# %% [markdown]
# Step by step: steps 1 to 12 are the sends, 13 to 16 the four dispatch blocks, and step 17 is
# after everything settled. TX submission fills one frame at a time and stays at 8 (the pool
# lends one packet per accepted send). Step 13: one block moves all eight to the dext. Step 14:
# the app's notification answers them all, filling TX completion and RX completion with 8 each.
# Step 15: the kernel reclaims the 8 sent packets. Step 16: it delivers the 8 replies and their
# packets go back to the pool (where reclaimed and delivered packets go is modelled).
#
# The picture shows each place's count as a line. Where two lines have the same height, one
# hides the other: RX submission's dotted line seems to stay at 8 throughout, but at step 14 the
# app's replies took all 8 of its packets, and the kernel restocked it at step 15. Its drop to 0
# lies under the other lines at 0, and RX completion's 8 covers it. The table after the picture
# gives the numbers.

# %%
fig, ax = plt.subplots(figsize=(10, 3.4))
draw_occupancy(ax, history)
plt.show()

# %%
series = ax.vethlab["series"]
print("step " + " ".join(f"{place:>14}" for place in series))
for step in range(12, ax.vethlab["steps"]):
    print(f"{step:>4} " + " ".join(f"{counts[step]:>14}" for counts in series.values()))

# %% [markdown]
# ### Trap 11: the edge-triggered doorbell
#
# Trap 11 (edge-triggered doorbell drained once). The TX doorbell is edge-triggered (observed): a
# packet that arrives while others wait rings nothing. In vethlab the edge is TX submission going
# from empty to non-empty (modelled). Apple's sample takes one batch of 8 packets per doorbell and
# returns. Send 12: the first rings, the other 11 ring nothing, and after one batch 4 packets wait
# for a bell that never comes.

# %%
stalled = vethlab.VirtualLink(packets=64, capacities=16, redrain=False, tx_batch=8)
for seq in range(1, 13):
    stalled.host.send(icmp_echo_request(HOST, APP, 0x7668, seq))
stalled.settle()
bell = stalled.dext.txs.CopyDataQueue()
print(trap_title(11))
print(
    f"the app got {len(stalled.responder.received)} frames; {stalled.dext.txs.count} wait on "
    f"TX submission; the bell rang {bell.rung} time(s), {bell.silent} arrivals rang nothing"
)

# %% [markdown]
# Something else has to bring the dext back: `requestDequeue()` (which the dext also calls at
# link-up; what it does is modelled), or a dext that looks again before returning, as
# `VirtualEthernetDext` does by default (`redrain=True`). The driver author who found the trap
# drains TX submission again each time a transmission completes (observed).

# %%
stalled.dext.txs.requestDequeue()
stalled.settle()
print(f"the app got {len(stalled.responder.received)} frames; {stalled.dext.txs.count} wait")

# %% [markdown]
# ### Dashboard: a burst, one dispatch step at a time
#
# Choose how many pings are sent at once, the queues' capacity, how many packets the dext takes
# per `DequeuePackets` and whether it looks again: the picture jumps to the end of that run, and
# its final counts show beside the controls, with a note wherever a setting cannot change the
# picture (the batch size is disabled while the dext looks again: it drains the queue whatever
# the batch). Then move the step slider back to watch the run: each position replays the
# simulation up to that step. The plain cells above checked what it shows: 12 pings into
# queues of 8 drop 4 at TX submission; without looking again, the packets beyond the first
# batch stay on TX submission.

# %% tags=["nbval-ignore-output"]
stepper = queue_stepper(burst=12, capacity=8)
stepper

# %% [markdown]
# ## Data offsets: BSD sockets and native flows
#
# Frames from BSD sockets start right at the headroom. Native Skywalk flows (Network.framework)
# leave 2 more bytes, so their frames start at headroom + 2 (observed). The dext reads at
# `getDataVirtualAddress() + getDataOffset()` and is right either way; the question's fix adds
# the headroom instead and reads 2 bytes early: trap 3 (headroom used as the data offset).

# %%
native_link = vethlab.VirtualLink()
sent = native_link.host.send(icmp_echo_request(HOST, APP, 0x7668, 1), flow="native")
packet = native_link.pool.packets[sent.packet]
task = native_link.dext.task
base = packet.getDataVirtualAddress()
right = task.read(base + packet.getDataOffset(), packet.getDataLength())
early = task.read(base + packet.GetHeadroom(), packet.getDataLength())
print(f"headroom {packet.GetHeadroom()}, data offset {packet.getDataOffset()}")
print("base + getDataOffset():", describe(right), "|", validate(right) or "valid")
print("base + GetHeadroom():  ", describe(early), "|", validate(early)[0])
native_link.settle()
print("answered:", len(native_link.host.answered()))

# %% [markdown]
# ## 100 pings, a pcap, and Wireshark
#
# `vethlab ping --count 100 --json --pcap ping.pcap` runs this, and so does `run_ping`: an ARP
# exchange, one UDP datagram, 100 echo requests and their replies. Afterwards the interface goes
# down and every packet must be back in the pool. The pcap is written next to this notebook;
# open it in Wireshark. (The tests read the same kind of file with `tshark` and check every
# frame: the ARP pair, each echo request answered by the reply with the same id and sequence,
# the UDP datagram, all checksums good.)

# %%
report = vethlab.run_ping(100, pcap="ping.pcap")
print(report.to_json())

# %%
captured = read_pcap("ping.pcap")
print(len(captured), "frames in ping.pcap")
for timestamp, frame in captured[:5]:
    print(f"{timestamp:.3f}  {describe(frame)}")

# %% [markdown]
# ## A real kernel on the host side
#
# On Linux, a TAP device is an Ethernet interface whose wire is a file descriptor. `TapLink`
# makes one in a network namespace of its own (root, `/dev/net/tun` and `ip` needed), gives it
# 192.0.2.1/24, and puts it where the simulated host stack was: the kernel's frames go through
# TX submission, the dext and the app, and the app's replies come back through RX completion
# to the kernel. The kernel sends a UDP datagram to the app, which makes it ask for the app's
# MAC first; then it pings. Where it cannot run, the cell says why. Its output changes from
# run to run (the kernel picks its own UDP port), so the notebook tests run it without
# comparing what it prints.

# %% tags=["nbval-ignore-output"]
ok, why = tap_available()
if ok:
    with TapLink() as tap:
        udp = tap.kernel_udp(b"hello from the kernel")
        print("the kernel sent:", [describe(f) for f in tap.from_kernel])
        print("the app got them byte for byte:", tap.from_kernel == tap.link.responder.received)
        print("the kernel's neighbour entry:", tap.neighbor())
        print("the kernel's own ping:", tap.kernel_ping(5).result)
else:
    print("no TAP device here:", why)

# %% [markdown]
# Previous: [05 · mapping memory](05_mapping_memory.ipynb). Next:
# [07 · the detective](07_the_detective.ipynb) reads a dump of a pool's memory without being
# told its numbers.
#
# ## Things to try
#
# Each answer is folded away: open it when you have tried.
#
# * In the dashboard, untick "looks again" and set one packet per `DequeuePackets`: how many
#   frames reach the app, and how many wait? Then raise the capacity to 16 and the burst to 24.
#   <details><summary>Answer</summary>One frame reaches the app and 7 wait on TX submission
#   (4 of the 12 were dropped, TX submission full): the bell rang once, and the dext took one
#   packet. With a capacity of 16 and a burst of 24, still one reaches the app and 15 wait; 8
#   are dropped because the pool ran out of packets (RX submission holds 16 of them).</details>
# * Build `link = vethlab.VirtualLink(packets=8, capacities=8)` and send one ping with
#   `link.host.send(icmp_echo_request(HOST, APP, 1, 1))`: the kernel stocked all 8 packets on
#   RX submission, none is left to send with. What does `link.accounting()` say?
#   <details><summary>Answer</summary>`{'out': {'offered': 1, 'delivered': 0, 'dropped':
#   {'pool exhausted': 1}, 'in_flight': 0}, ...}`: the ping was dropped before it reached TX
#   submission, and nothing came back.</details>
# * Run `vethlab.run_ping(10, design="shared_mapping")` and `design="batch"` and compare
#   `to_json()` with the default design: the app takes its frames differently (notebook 02);
#   does anything the kernel sees change?
#   <details><summary>Answer</summary>No: the three reports are equal, frame for frame (10
#   sent, 10 received, nothing dropped or leaked).</details>
# * Make a jumbo-frame link for each design, `link = vethlab.VirtualLink(buffer_size=9100,
#   design="per_packet")` (then `"shared_mapping"`, `"batch"`), raise its MTU with
#   `link.dext.max_transfer_unit = 9000` and `link.dext.SetMTU(9000)`, send a 2000-byte frame
#   with `link.host.send(udp_datagram(HOST, APP, 49152, 9, bytes(1958)))` and `link.settle()`.
#   Which designs deliver it (`link.responder.received`), and why does `GetPacket` drop it
#   (`link.accounting()`)? Import `udp_datagram` from `vethlab.wire.frames` first.
#   <details><summary>Answer</summary>The shared mapping and the batch deliver the 2000 bytes.
#   Per packet, the accounting says `'longer than GetPacket_Output.packet_data'`: the safe
#   `GetPacket` refuses a frame that does not fit the struct's 1600 bytes rather than copy past
#   them (trap 6, copy longer than packet_data), and completes its packet.</details>
# * Open `ping.pcap` in Wireshark and follow an echo request to its reply.
#   <details><summary>Answer</summary>Each reply carries the identifier (0x7668) and sequence
#   number of its request, and Wireshark's "Request frame" on the reply points back at it
#   (`tshark -r ping.pcap -T fields -e icmp.seq -e icmp.resp_to` shows the same).</details>
