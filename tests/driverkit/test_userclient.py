"""IOUserClient: the state machine, the dispatch checks, AsyncCompletion and the one boundary."""

import numpy as np
import pytest

from vethlab.driverkit.service import IOService, OSData
from vethlab.driverkit.userclient import (
    ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS,
    ENTITLEMENT_USERCLIENT_ACCESS,
    ILLEGAL_MOVE_CODES,
    USER_CLIENT_MOVES,
    IOUserClient,
    IOUserClientMethodArguments,
    IOUserClientMethodDispatch,
    OSAction,
    Trace,
    UserClientState,
    kernel_close,
    kernel_external_method,
    kernel_map,
    kernel_open,
    kIOUserClientVariableStructureSize,
    may_open,
)
from vethlab.ioreturn import (
    IOReturnError,
    kIOReturnBadArgument,
    kIOReturnNoCompletion,
    kIOReturnNotOpen,
    kIOReturnNotPermitted,
    kIOReturnNotReady,
    kIOReturnNotResponding,
    kIOReturnStillOpen,
    kIOReturnSuccess,
    kIOReturnUnsupported,
)
from vethlab.model.memory import Mac, SimulatedFault

VAR = kIOUserClientVariableStructureSize
MOVES = ("Start", "ExternalMethod", "AsyncCompletion", "CopyClientMemoryForType", "crash", "Stop")


class Port:
    """A stand-in notification port that keeps what it is sent."""

    def __init__(self):
        self.messages = []

    def post(self, action, status, values):
        self.messages.append((status, values))


def _echo(target, reference, args):
    args.structureOutput = OSData(
        args.structure_input_bytes()[::-1][: args.structureOutputMaximumSize]
    )


def _scalars(target, reference, args):
    args.scalarOutput[:2] = [sum(args.scalarInput), len(args.scalarInput)]


def _fault(target, reference, args):
    target.task.read(0x10, 1)  # nothing is mapped at 0x10: EXC_BAD_ACCESS


def _python_error(target, reference, args):
    return {}["missing"]


def _too_long(target, reference, args):
    args.structureOutput = OSData(bytes(args.structureOutputMaximumSize + 1))


def _fill_descriptor(target, reference, args):
    md = args.structureOutputDescriptor
    mapping = md.CreateMapping(0, 0, 0, 0, 0)
    target.task.write(mapping.GetAddress(), b"\x5a" * md.GetLength())
    mapping.unmap()


def _wrong_output(target, reference, args):
    args.structureOutput = OSData(b"x")


def _keep(target, reference, args):
    target.kept = args.completion.retain()


def _forget(target, reference, args):
    target.kept = args.completion  # not retained: the kernel's reference ends with the call


class ToyClient(IOUserClient):
    SELECTOR_NAMES = {0: "Echo", 1: "Sum"}
    TABLE = {
        0: IOUserClientMethodDispatch(_echo, 0, 0, VAR, 0, VAR),
        1: IOUserClientMethodDispatch(_scalars, VAR, VAR, 0, 2, 0),
        2: IOUserClientMethodDispatch(None, VAR, VAR, VAR, VAR, VAR),
        3: IOUserClientMethodDispatch(_fault, VAR, VAR, VAR, VAR, VAR),
        4: IOUserClientMethodDispatch(_python_error, VAR, VAR, VAR, VAR, VAR),
        5: IOUserClientMethodDispatch(_too_long, VAR, VAR, VAR, VAR, VAR),
        6: IOUserClientMethodDispatch(_fill_descriptor, VAR, VAR, VAR, VAR, VAR),
        7: IOUserClientMethodDispatch(_wrong_output, VAR, VAR, VAR, VAR, VAR),
        8: IOUserClientMethodDispatch(_keep, 1, 0, 0, 0, 0),
        9: IOUserClientMethodDispatch(_forget, 1, 0, 0, 0, 0),
        10: IOUserClientMethodDispatch(lambda t, r, a: kIOReturnNotReady, VAR, VAR, VAR, VAR, VAR),
    }

    def ExternalMethod(self, selector, arguments, dispatch=None, target=None, reference=None):
        return super().ExternalMethod(
            selector, arguments, self.TABLE.get(selector), self, reference
        )

    def CopyClientMemoryForType(self, type):
        if type != 0:
            return super().CopyClientMemoryForType(type)
        return 1, self.memory


class ToyDext(IOService):
    bundle_identifier = "com.example.Toy"

    def NewUserClient(self, type):
        from vethlab.driverkit.memory import IOBufferMemoryDescriptor

        client = ToyClient(self)
        client.memory = IOBufferMemoryDescriptor.Create(3, 8192, task=self.task)
        client.Start(self)
        return client


def open_toy(entitlements=None):
    dext = ToyDext(Mac())
    dext.Start()
    trace = Trace()
    kr, client = kernel_open(
        dext, entitlements or {ENTITLEMENT_USERCLIENT_ACCESS: "com.example.Toy"}, 0, trace
    )
    assert kr == kIOReturnSuccess
    return dext, client, trace


def call(client, selector, scalars=(), struct=None, out_count=0, out_size=0, completion=None):
    return kernel_external_method(
        client, selector, tuple(scalars), struct, out_count, out_size, completion
    )


# -- the state machine -------------------------------------------------------------------


#: The legal moves that take a new client to each state.
PATH_TO = {
    UserClientState.CREATED: (),
    UserClientState.OPEN: ("Start",),
    UserClientState.CRASHED: ("Start", "crash"),
    UserClientState.CLOSED: ("Start", "Stop"),
}


@pytest.mark.parametrize("state", list(UserClientState))
@pytest.mark.parametrize("move", MOVES)
def test_every_move_in_every_state_follows_the_one_table(state, move):
    """A legal move goes where the table says; an illegal one raises its state's code and changes nothing."""
    client = ToyClient(ToyDext(Mac()))
    for step in PATH_TO[state]:
        client.move(step)
    assert client.state is state
    legal = USER_CLIENT_MOVES.find(state, move)
    if legal is not None:
        assert client.move(move) is legal.target
        assert client.state is legal.target
    else:
        with pytest.raises(IOReturnError) as err:
            client.move(move)
        assert err.value.code == ILLEGAL_MOVE_CODES[state]
        assert f"is {state.name}: {move} is refused" in err.value.message
        assert client.state is state


def test_the_table_reaches_every_state_from_created():
    """From CREATED the legal moves reach OPEN, CLOSED and CRASHED; CLOSED is final."""
    reached, frontier = {UserClientState.CREATED}, [UserClientState.CREATED]
    while frontier:
        state = frontier.pop()
        for move in USER_CLIENT_MOVES.allowed(state):
            if move.target not in reached:
                reached.add(move.target)
                frontier.append(move.target)
    assert reached == set(UserClientState)
    assert USER_CLIENT_MOVES.allowed(UserClientState.CLOSED) == []
    assert ILLEGAL_MOVE_CODES[UserClientState.CLOSED] == kIOReturnNotOpen
    assert ILLEGAL_MOVE_CODES[UserClientState.OPEN] == kIOReturnStillOpen


def test_starting_twice_is_refused_and_leaves_the_client_open():
    """Start on an open client raises kIOReturnStillOpen; the client stays OPEN."""
    _, client, _ = open_toy()
    with pytest.raises(IOReturnError) as err:
        client.Start()
    assert err.value.code == kIOReturnStillOpen
    assert client.state is UserClientState.OPEN
    assert client.legal_moves() == [
        "ExternalMethod",
        "AsyncCompletion",
        "CopyClientMemoryForType",
        "crash",
        "Stop",
    ]


# -- opening: entitlements ------------------------------------------------------------------


def test_opening_needs_the_apps_entitlement_or_the_dexts():
    """userclient-access naming the dext (list or string) or allow-any lets an app in; else not."""
    dext = ToyDext(Mac())
    assert may_open({ENTITLEMENT_USERCLIENT_ACCESS: ["com.example.Toy"]}, dext)[0]
    assert may_open({ENTITLEMENT_USERCLIENT_ACCESS: "com.example.Toy"}, dext)[0]
    allowed, why = may_open({ENTITLEMENT_USERCLIENT_ACCESS: ["com.example.Other"]}, dext)
    assert not allowed and "does not name 'com.example.Toy'" in why
    trace = Trace()
    assert kernel_open(dext, {}, 0, trace) == (kIOReturnNotPermitted, None)
    assert [(e.kind, e.kr) for e in trace.events] == [("open", kIOReturnNotPermitted)]
    dext.entitlements = {ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS: True}
    dext.Start()
    kr, client = kernel_open(dext, {}, 0)
    assert kr == kIOReturnSuccess and client.state is UserClientState.OPEN


def test_a_service_without_user_clients_answers_unsupported():
    """IOService's default NewUserClient refuses with kIOReturnUnsupported."""
    service = IOService(Mac())
    service.entitlements = {ENTITLEMENT_ALLOW_ANY_USERCLIENT_ACCESS: True}
    service.Start()
    assert kernel_open(service, {}, 0) == (kIOReturnUnsupported, None)
    assert service.crash is None


# -- the dispatch checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    "scalars, struct, out_count, out_size, completion, code",
    [
        ((), b"abc", 0, 3, False, kIOReturnSuccess),
        ((1,), b"abc", 0, 3, False, kIOReturnBadArgument),  # scalar input count must be 0
        ((), b"abc", 1, 3, False, kIOReturnBadArgument),  # scalar output count must be 0
        ((), b"abc", 0, 3, True, kIOReturnBadArgument),  # no completion allowed
        ((), None, 0, 0, False, kIOReturnSuccess),  # variable sizes: anything goes
        ((), bytes(5000), 0, 10, False, kIOReturnSuccess),  # input out of line
        ((), b"abc", 0, 5000, False, kIOReturnBadArgument),  # structureOutput beside a descriptor
    ],
)
def test_echo_dispatch_checks(scalars, struct, out_count, out_size, completion, code):
    """Counts must match exactly unless the check is kIOUserClientVariableStructureSize."""
    _, client, _ = open_toy()
    action = OSAction.ForAsyncCall(Port(), (0,), client) if completion else None
    kr, out_scalars, out = call(client, 0, scalars, struct, out_count, out_size, action)
    assert kr == code
    if code == kIOReturnSuccess and struct and len(struct) <= 4096:
        assert out == struct[::-1]
    if code != kIOReturnSuccess:
        assert (out_scalars, out) == ([], b"")


def test_scalar_selector_counts_and_results():
    """Sum takes any number of scalars and exactly 2 outputs; other output counts are refused."""
    _, client, _ = open_toy()
    assert call(client, 1, (1, 2, 3), out_count=2) == (kIOReturnSuccess, [6, 3], b"")
    assert call(client, 1, (1,), out_count=3)[0] == kIOReturnBadArgument
    assert call(client, 1, (), b"x", out_count=2)[0] == kIOReturnBadArgument


def test_no_function_no_entry_and_returned_codes():
    """No function: kIOReturnNoCompletion; no entry: unsupported; a returned code fails the call."""
    _, client, _ = open_toy()
    assert call(client, 2)[0] == kIOReturnNoCompletion
    assert call(client, 99)[0] == kIOReturnUnsupported
    assert call(client, 10)[0] == kIOReturnNotReady
    assert client.state is UserClientState.OPEN


def test_dispatch_check_messages_name_the_value_and_what_was_allowed():
    """The BadArgument message names the selector, the count it got and the count allowed."""
    _, client, _ = open_toy()
    args = IOUserClientMethodArguments(1, scalarOutput=[0], scalarOutputCount=1)
    with pytest.raises(
        IOReturnError, match="Sum: scalar output count 1; this selector allows exactly 2"
    ):
        client.ExternalMethod(1, args)


def test_completion_required_forbidden_or_dont_care():
    """checkCompletionExists 1 needs a completion, 0 forbids one, 0xFFFFFFFF takes either."""
    _, client, _ = open_toy()
    action = OSAction.ForAsyncCall(Port(), (0,), client)
    assert call(client, 8)[0] == kIOReturnBadArgument
    assert call(client, 8, completion=action)[0] == kIOReturnSuccess
    action2 = OSAction.ForAsyncCall(Port(), (0,), client)
    assert call(client, 0, struct=b"a", out_size=1, completion=action2)[0] == kIOReturnBadArgument
    for completion in (None, OSAction.ForAsyncCall(Port(), (0,), client)):
        assert call(client, 6, out_size=5000, completion=completion)[0] == kIOReturnSuccess


# -- inline and out of line ------------------------------------------------------------------


def test_structures_up_to_4096_bytes_are_inline_larger_ones_descriptors():
    """4096 bytes arrive as OSData; 4097 as a descriptor (structureInput then None)."""
    seen = []
    ToyClient.TABLE[11] = IOUserClientMethodDispatch(
        lambda t, r, a: seen.append(
            (
                a.structureInput is None,
                a.structureInputDescriptor is None,
                a.structure_input_size(),
                a.structureOutputDescriptor is None,
                a.structureOutputMaximumSize,
            )
        ),
        VAR,
        VAR,
        VAR,
        VAR,
        VAR,
    )
    try:
        _, client, _ = open_toy()
        call(client, 11, struct=bytes(4096), out_size=4096)
        call(client, 11, struct=bytes(4097), out_size=4097)
    finally:
        del ToyClient.TABLE[11]
    assert seen == [(False, True, 4096, True, 4096), (True, False, 4097, False, 4097)]


def test_out_of_line_output_is_written_through_the_dexts_mapping():
    """The dext maps the app's buffer and writes it; the app gets the buffer's bytes back."""
    _, client, _ = open_toy()
    assert call(client, 6, out_size=5000) == (kIOReturnSuccess, [], b"\x5a" * 5000)


def test_outputs_the_caller_cannot_take_are_bad_arguments():
    """An inline output longer than the caller's buffer, or set beside a descriptor, fails."""
    _, client, _ = open_toy()
    assert call(client, 5, out_size=10)[0] == kIOReturnBadArgument
    assert call(client, 7, out_size=5000)[0] == kIOReturnBadArgument
    assert call(client, 7, out_size=1) == (kIOReturnSuccess, [], b"x")
    assert client.state is UserClientState.OPEN


# -- the boundary ------------------------------------------------------------------------


@pytest.mark.parametrize("selector, kind", [(3, SimulatedFault), (4, KeyError)])
def test_a_crash_in_the_dext_reaches_the_app_as_not_responding(selector, kind):
    """A fault (or a Python error C++ would crash on) kills the dext: NotResponding, now and after."""
    dext, client, _ = open_toy()
    assert call(client, selector)[0] == kIOReturnNotResponding
    assert isinstance(dext.crash, kind)
    assert client.state is UserClientState.CRASHED
    assert call(client, 0)[0] == kIOReturnNotResponding
    assert kernel_open(dext, {ENTITLEMENT_USERCLIENT_ACCESS: "com.example.Toy"}, 0) == (
        kIOReturnNotResponding,
        None,
    )
    assert kernel_close(client) == kIOReturnSuccess
    assert client.state is UserClientState.CLOSED
    assert call(client, 0)[0] == kIOReturnNotOpen


def test_other_clients_of_a_crashed_dext_become_crashed_on_their_next_call():
    """A second connection learns of the crash when it next calls."""
    dext, first, _ = open_toy()
    _, second = kernel_open(dext, {ENTITLEMENT_USERCLIENT_ACCESS: "com.example.Toy"}, 0)
    call(first, 3)
    assert second.state is UserClientState.OPEN
    assert call(second, 0)[0] == kIOReturnNotResponding
    assert second.state is UserClientState.CRASHED


def test_closing_stops_the_client_and_closing_again_is_not_open():
    """IOServiceClose's kernel half: OPEN -> CLOSED, then kIOReturnNotOpen, state unchanged."""
    _, client, trace = open_toy()
    assert kernel_close(client, trace) == kIOReturnSuccess
    assert client.state is UserClientState.CLOSED
    assert kernel_close(client, trace) == kIOReturnNotOpen
    assert client.state is UserClientState.CLOSED
    assert [(e.kind, e.kr) for e in trace.events] == [
        ("open", kIOReturnSuccess),
        ("close", kIOReturnSuccess),
        ("close", kIOReturnNotOpen),
    ]


# -- AsyncCompletion and OSAction ------------------------------------------------------------


def test_async_completion_posts_up_to_16_values():
    """The message carries the status and asyncData[:count]; 17 values are refused."""
    _, client, _ = open_toy()
    port = Port()
    action = OSAction.ForAsyncCall(port, (0,), client)
    client.AsyncCompletion(action, kIOReturnSuccess, list(range(20)), 16)
    assert port.messages == [(kIOReturnSuccess, tuple(range(16)))]
    for data, count in ((list(range(20)), 17), ([1], 2), ([-1], 1), ([1 << 64], 1), (["x"], 1)):
        with pytest.raises(IOReturnError) as err:
            client.AsyncCompletion(action, kIOReturnSuccess, data, count)
        assert err.value.code == kIOReturnBadArgument
    assert len(port.messages) == 1


def test_async_completion_checks_each_value_is_a_uint64():
    """0 and 2**64 - 1, Python or numpy, pass; a bool, a float or a negative numpy int do not."""
    _, client, _ = open_toy()
    port = Port()
    action = OSAction.ForAsyncCall(port, (0,), client)
    top = (1 << 64) - 1
    client.AsyncCompletion(action, kIOReturnSuccess, [0, top, np.uint64(top), np.int32(7)], 4)
    assert port.messages == [(kIOReturnSuccess, (0, top, top, 7))]
    for bad in (True, 1.0, np.int64(-1), np.bool_(True), None):
        with pytest.raises(
            IOReturnError,
            match=r"asyncData\[1\] .*allowed: 0\.\.0xffffffffffffffff "
            r"\(uint64_t\)",
        ) as err:
            client.AsyncCompletion(action, kIOReturnSuccess, [1, bad], 2)
        assert err.value.code == kIOReturnBadArgument
    assert len(port.messages) == 1


def test_a_full_trace_still_counts_every_crossing():
    """With no room left, calls and notifications build no event but are counted."""
    _, client, _ = open_toy()
    port = Port()
    trace = Trace(limit=0)
    action = OSAction.ForAsyncCall(port, (0,), client, trace)
    assert kernel_external_method(client, 0, (), b"abc", 0, 3, None, trace) == (
        kIOReturnSuccess,
        [],
        b"cba",
    )
    client.AsyncCompletion(action, kIOReturnSuccess, [1], 1)
    assert trace.events == [] and trace.count == 2 and len(port.messages) == 1


def test_async_completion_after_close_is_dropped():
    """A message for a closed connection goes nowhere, and is counted."""
    _, client, _ = open_toy()
    port = Port()
    action = OSAction.ForAsyncCall(port, (0,), client)
    kernel_close(client)
    client.AsyncCompletion(action, kIOReturnSuccess, [1], 1)
    assert port.messages == [] and client.notifications_dropped == 1


def test_a_completion_must_be_retained_to_be_used_after_the_call():
    """Retained: usable later. Not retained: a use-after-free, which the model treats as a crash."""
    _, client, _ = open_toy()
    port = Port()
    assert (
        call(client, 8, completion=OSAction.ForAsyncCall(port, (0,), client))[0] == kIOReturnSuccess
    )
    assert client.kept.retain_count == 1
    client.AsyncCompletion(client.kept, kIOReturnSuccess, [7], 1)
    assert port.messages == [(kIOReturnSuccess, (7,))]
    assert (
        call(client, 9, completion=OSAction.ForAsyncCall(port, (0,), client))[0] == kIOReturnSuccess
    )
    assert client.kept.retain_count == 0
    with pytest.raises(RuntimeError, match="use-after-free"):
        client.AsyncCompletion(client.kept, kIOReturnSuccess, [7], 1)
    with pytest.raises(RuntimeError, match="over-released"):
        client.kept.release()


# -- client memory ------------------------------------------------------------------------


def test_copy_client_memory_maps_read_only_when_the_dext_says_so():
    """kIOUserClientMemoryReadOnly maps read-only: the app reads, a write faults."""
    dext, client, _ = open_toy()
    app = dext.mac.task("app")
    kr, mapping = kernel_map(client, 0, app, 0)
    assert kr == kIOReturnSuccess and mapping.read_only and mapping.task is app
    assert app.read(mapping.GetAddress(), 4) == bytes(4)
    with pytest.raises(SimulatedFault, match="read-only"):
        app.write(mapping.GetAddress(), b"x")
    assert kernel_map(client, 1, app, 0) == (kIOReturnUnsupported, None)


def test_trace_keeps_the_first_events_and_counts_them_all():
    """A trace of limit 2 keeps two events and counts every one."""
    trace = Trace(limit=2)
    for i in range(5):
        trace.record("call", f"c{i}", kIOReturnSuccess)
    assert [e.name for e in trace.events] == ["c0", "c1"] and trace.count == 5
    assert trace.events[0].kr_name == "kIOReturnSuccess"
    trace.clear()
    assert len(trace) == 0 and trace.count == 0
