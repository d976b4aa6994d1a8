"""Reliability of the whole interface under random traffic: a Hypothesis state machine drives
the host stack, the dext's dispatch queue, the kernel and the app in random order, with random
queue capacities (1 to 64), pool sizes, app designs and app delays.

After every step: every packet is in exactly one place, no queue is over capacity, and each
direction balances: frames offered = delivered + dropped (each drop with its reason) + in
flight. What arrived arrived once, unaltered and in order. At the end, after the interface goes
down, nothing is in flight and no packet has leaked from the pool.

Runs at least 500 examples when HYPOTHESIS_PROFILE=ci (as CI sets it).
"""

import os
from collections import Counter

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from vethlab.networkingdriverkit.queues import Place, QueueKind, where
from vethlab.ping.link import VirtualLink
from vethlab.wire import frames

CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
HOST, APP = frames.HOST, frames.APP


def is_subsequence(part, whole) -> bool:
    """Whether ``part`` appears in ``whole`` in order (each element used once)."""
    it = iter(whole)
    return all(any(x == y for y in it) for x in part)


class InterfaceMachine(RuleBasedStateMachine):
    """Random traffic through host stack, queues, dext and app."""

    @initialize(
        packets=st.integers(2, 96),
        capacities=st.fixed_dictionaries({kind: st.integers(1, 64) for kind in QueueKind}),
        design=st.sampled_from(["per_packet", "batch", "shared_mapping"]),
        redrain=st.booleans(),
        tx_batch=st.integers(1, 16),
        seed=st.integers(0, 3),
    )
    def start(self, packets, capacities, design, redrain, tx_batch, seed):
        self.link = VirtualLink(
            seed=seed,
            packets=packets,
            capacities=capacities,
            design=design,
            redrain=redrain,
            tx_batch=tx_batch,
        )
        self.serial = 0

    # -- traffic ---------------------------------------------------------------------------------
    @rule(
        kind=st.sampled_from(["udp", "echo", "arp", "ns"]),
        size=st.integers(0, 1600),
        flow=st.sampled_from(["bsd", "native"]),
    )
    def host_sends(self, kind, size, flow):
        self.serial += 1
        if kind == "udp":
            tag = f"#{self.serial} ".encode()
            frame = frames.udp_datagram(HOST, APP, 40000, 9, (tag * (size // len(tag) + 1))[:size])
        elif kind == "echo":
            frame = frames.icmp_echo_request(
                HOST, APP, 0x5EED, self.serial & 0xFFFF, min(size, 1400)
            )
        elif kind == "arp":
            frame = frames.arp_request(HOST, APP.ipv4)
        else:
            frame = frames.ipv6_neighbor_solicitation(HOST, APP.ipv6)
        self.link.host.send(frame, flow=flow)

    @rule(n=st.integers(1, 8))
    def burst_of_pings(self, n):
        for _ in range(n):
            self.serial += 1
            self.link.host.send(frames.icmp_echo_request(HOST, APP, 0x5EED, self.serial & 0xFFFF))

    # -- who runs when: the app's delay is how long it is left out --------------------------------
    @rule(n=st.integers(1, 6))
    def dext_and_kernel_step(self, n):
        for _ in range(n):
            self.link.scheduler.step()

    @rule()
    def app_runs(self):
        self.link.responder.run()

    @rule()
    def everything_settles(self):
        self.link.settle()

    @rule(up_again=st.booleans())
    def interface_bounces(self, up_again):
        self.link.host.down()
        if up_again:
            self.link.host.up()

    @rule()
    def interface_comes_up(self):
        if not self.link.dext.enabled:
            self.link.host.up()

    # -- invariants ------------------------------------------------------------------------------
    @invariant()
    def every_packet_is_in_exactly_one_place(self):
        pool = self.link.pool
        places = where(pool)
        seen = sorted(i for ids in places.values() for i in ids)
        assert seen == list(range(len(pool.packets)))
        assert len(places[Place.POOL]) == pool.free_count
        for queue in self.link.dext.queues.values():
            assert queue.count <= queue.capacity

    @invariant()
    def every_frame_is_accounted_for(self):
        for direction, side in self.link.accounting().items():
            dropped = sum(side["dropped"].values())
            assert side["offered"] == side["delivered"] + dropped + side["in_flight"], (
                direction,
                side,
            )
            assert all(n > 0 and reason for reason, n in side["dropped"].items())
        assert "failed validation" not in self.link.host.drops_in  # nothing arrives altered

    @invariant()
    def what_arrived_arrived_once_unaltered_in_order(self):
        host, responder = self.link.host, self.link.responder
        submitted = [s.frame for s in host.sent if s.submitted]
        assert is_subsequence(responder.received, submitted)
        assert is_subsequence([r.frame for r in host.delivered], responder.replies)
        # and every reply the host matched answers a request it sent, once
        answered = Counter(r.answers for r in host.received if r.answers is not None)
        assert all(n == 1 for n in answered.values())

    def teardown(self):
        if not hasattr(self, "link"):
            return
        self.link.settle()
        self.link.shutdown()
        for direction, side in self.link.accounting().items():
            assert side["in_flight"] == 0, (direction, side)
            assert side["offered"] == side["delivered"] + sum(side["dropped"].values())
        assert self.link.leaked() == []


InterfaceMachine.TestCase.settings = settings(
    max_examples=500 if CI else 40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_interface_under_random_traffic = InterfaceMachine.TestCase
