"""A stateful fuzz of the question's app and its safe dext (issue 10, Build item 4).

A Hypothesis ``RuleBasedStateMachine`` interleaves transmit, deliver (``app.run()``), close,
reopen, map and unmap, for each of the three designs (``per_packet``, ``batch``,
``shared_mapping``), and checks after every step that no packet is lost (free, pending or lent
add up to the pool's count), that the dext never died, that the apps received only frames
sent, in order, none stale, and that a mapping reads the pool while it lives and faults once
it is gone.

Inputs that hit a bug issue 10 already lists are not generated here (a transmit of more frames
than free packets: ``test_fuzz_boundaries.test_partial_transmit_loses_nothing``).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from test_fuzz_boundaries import accounting, frames_of, started_dext

from vethlab.handoff.app import DESIGNS, QuestionApp
from vethlab.handoff.structs import GET_PACKET_DATA_SIZE, GET_PACKET_OUTPUT_SIZE
from vethlab.iokit import (
    IOConnectMapMemory64,
    IOConnectUnmapMemory64,
    kIOMapAnywhere,
    kIOMapReadOnly,
)
from vethlab.ioreturn import IORETURN_CODES, kIOReturnNotOpen, kIOReturnSuccess
from vethlab.model.memory import SimulatedFault

CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
#: Runs of the machine per design under the ci profile (a tenth elsewhere), and steps per run.
CI_EXAMPLES = 200
STEPS = 30
CODES = set(IORETURN_CODES.values())
BUFFER = 2048  # the dext's pool buffers: every generated frame fits one


class HandoffMachine(RuleBasedStateMachine):
    """The question's safe dext and one app at a time, in the design ``DESIGN``."""

    DESIGN = "per_packet"

    def __init__(self) -> None:
        super().__init__()
        self.dext = started_dext(get_packet="safe")
        self.app = QuestionApp(self.dext, self.DESIGN)
        assert self.app.open() == kIOReturnSuccess
        self.is_open = True
        self.opened = 1
        self.sent: list[bytes] = []
        self.earlier: list[bytes] = []  # frames received by apps closed before
        self.mappings: list[tuple[int, int]] = []  # (address, size) of live extra mappings
        self.gone: list[int] = []  # addresses of mappings released since

    # -- rules --------------------------------------------------------------------------
    @rule(frames=st.lists(frames_of(BUFFER), min_size=1, max_size=5))
    def transmit(self, frames):
        """The host stack sends frames that fit the free packets."""
        frames = frames[: self.dext.pool.free_count]
        if frames:
            self.dext.transmit(frames)
            self.sent += frames

    @precondition(lambda self: self.is_open)
    @rule()
    def deliver(self):
        """The app runs the notifications waiting on its dispatch queue."""
        before = len(self.app.outputs)
        self.app.run()
        for out in list(self.app.outputs)[before:]:
            assert len(out) == GET_PACKET_OUTPUT_SIZE
            size = int.from_bytes(out[GET_PACKET_DATA_SIZE:], "little")
            assert size <= GET_PACKET_DATA_SIZE
            assert not any(out[size:GET_PACKET_DATA_SIZE]), "stale bytes after the frame"

    @precondition(lambda self: self.is_open)
    @rule()
    def close(self):
        """The app closes its connection: its mappings go, its lent packets come back."""
        assert self.app.close() == kIOReturnSuccess
        assert self.app.close() == kIOReturnNotOpen  # closing twice is refused, not raised
        self.is_open = False
        self.gone += [address for address, _ in self.mappings]
        self.mappings.clear()

    @precondition(lambda self: not self.is_open)
    @rule()
    def reopen(self):
        """A new app of the same design opens the dext again and gets what is pending."""
        self.earlier += self.app.received
        self.opened += 1
        self.app = QuestionApp(self.dext, self.DESIGN, name=f"FooApp{self.opened}")
        assert self.app.open() == kIOReturnSuccess
        self.is_open = True

    @precondition(lambda self: self.is_open)
    @rule(read_only=st.booleans())
    def map(self, read_only):
        """The app maps the pool once more (the shared mapping's memory type)."""
        options = kIOMapAnywhere | (kIOMapReadOnly if read_only else 0)
        kr, address, size = IOConnectMapMemory64(self.app.connect, 0, self.app.app, 0, options)
        assert kr == kIOReturnSuccess
        assert size == self.dext.pool_md.GetLength()
        self.mappings.append((address, size))

    @precondition(lambda self: self.is_open and self.mappings)
    @rule(which=st.integers(0, 7), twice=st.booleans())
    def unmap(self, which, twice):
        """The app unmaps one of its extra mappings (twice: the second is refused)."""
        address, _ = self.mappings.pop(which % len(self.mappings))
        connect, task = self.app.connect, self.app.app
        assert IOConnectUnmapMemory64(connect, 0, task, address) == kIOReturnSuccess
        if twice:
            kr = IOConnectUnmapMemory64(connect, 0, task, address)
            assert kr in CODES and kr != kIOReturnSuccess
        self.gone.append(address)

    # -- invariants --------------------------------------------------------------------
    @invariant()
    def nothing_lost(self):
        """Every packet is free, pending or lent, and they add up to the pool's count."""
        accounting(self.dext)
        if not self.is_open:
            assert all(not client.lent for client in self.dext.clients)

    @invariant()
    def the_dext_lives(self):
        """The safe dext never dies, whatever the app does."""
        assert self.dext.crash is None

    @invariant()
    def frames_in_order(self):
        """The apps received frames that were sent, in the order sent, none made up."""
        it = iter(self.sent)
        for frame in self.earlier + self.app.received:
            assert any(frame == sent for sent in it), "a frame received that was not sent next"

    @invariant()
    def mappings_read_the_pool_then_fault(self):
        """A live mapping shows the pool's bytes; a released one faults when read."""
        task = self.app.app.task
        pool = self.dext.pool_md
        for address, size in self.mappings:
            assert task.read(address, 64) == bytes(pool.bytes_at(0, 64))
            assert task.read(address + size - 64, 64) == bytes(pool.bytes_at(size - 64, 64))
        for address in self.gone:
            if task.space.find(address) is None:
                with pytest.raises(SimulatedFault):
                    task.read(address, 1)

    def teardown(self):
        if self.is_open:
            self.app.run()
            assert self.app.close() == kIOReturnSuccess
        accounting(self.dext)
        assert all(not client.lent for client in self.dext.clients)


STATEFUL = settings(
    max_examples=CI_EXAMPLES if CI else max(CI_EXAMPLES // 10, 10),
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _machine(design: str):
    return type(f"HandoffMachine_{design}", (HandoffMachine,), {"DESIGN": design})


MACHINES = {design: _machine(design) for design in DESIGNS}


@pytest.mark.parametrize("design", DESIGNS)
def test_handoff_state_machine(design):
    """Transmit, deliver, close, reopen, map and unmap in any order keep every invariant."""
    MACHINES[design].TestCase.settings = STATEFUL
    MACHINES[design].TestCase().runTest()
