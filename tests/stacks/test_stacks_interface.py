"""Every stack through the one interface: the 1600-byte table, summaries, sources, bugs."""

import dataclasses
import itertools
import pickle

import pytest
from hypothesis import given, strategies as st

from vethlab.model.provenance import LABELS
from vethlab.stacks import SHARED_KEYS, STACKS, StackError, StackLayout, plan_request
from vethlab.stacks.base import ClassicBug, Source
from vethlab.stacks.ndk import classic_bug as ndk_bug, plan as ndk_plan

#: What each stack makes of a 1600-byte request (32 buffers): buffer_size, usable_size,
#: stride, headroom, first_data_offset, and the first data byte of buffers 0, 1, 5.
TABLE_1600 = {
    "ndk": (2048, 2048, 2048, 0, 0, [0, 2048, 10240]),
    "netmap": (1600, 1600, 1600, 0, 0, [0, 1600, 8000]),
    "dpdk": (1600, 1472, 1856, 128, 128, [320, 2176, 9600]),
    "skb": (2048, 1728, 2048, 0, 0, [0, 2048, 10240]),
    "mbuf": (2048, 2048, 2048, 0, 0, [0, 2048, 10240]),
}


@pytest.mark.parametrize("stack", sorted(TABLE_1600))
def test_1600_on_every_stack(stack):
    lay = plan_request(stack, 1600, 32)
    module = STACKS[stack]
    got = (
        lay.buffer_size,
        lay.usable_size,
        lay.stride,
        lay.headroom,
        lay.first_data_offset,
        [module.address(lay, i) for i in (0, 1, 5)],
    )
    assert got == TABLE_1600[stack]
    assert lay.requested_buffer_size == 1600
    assert [lay.data_offset(i) for i in (0, 1, 5)] == TABLE_1600[stack][5]


def test_1600_af_xdp_refuses():
    with pytest.raises(StackError, match="XDP_UMEM_MIN_CHUNK_SIZE"):
        plan_request("af_xdp", 1600, 32)


@pytest.mark.parametrize("stack", list(STACKS))
def test_module_shape(stack):
    """Every module has the same names; REQUEST and COUNT are fields of its config."""
    module = STACKS[stack]
    assert stack == module.NAME and module.TITLE and module.BUFFER_SIZE and module.FORMULA
    assert all(isinstance(s, Source) and s.label in LABELS for s in module.SOURCES)
    config = module.plan().config
    names = {f.name for f in dataclasses.fields(config)}
    assert {module.REQUEST, module.COUNT} <= names
    assert isinstance(module.CLASSIC_BUG, ClassicBug) and module.CLASSIC_BUG.stack == stack
    bug = module.CLASSIC_BUG
    assert bug.label in LABELS and bug.code.startswith(("/*", "//"))
    assert (bug.report is None) == (bug.label == "modelled" and stack == "mbuf")


def _request(stack):
    return 2048 if stack == "af_xdp" else 1600


@pytest.mark.parametrize("stack", list(STACKS))
def test_summary_has_the_shared_keys_and_the_stacks_own(stack):
    lay = plan_request(stack, _request(stack), 8)
    assert isinstance(lay, StackLayout)
    data = lay.summary(3)
    assert list(data)[: len(SHARED_KEYS)] == list(SHARED_KEYS)
    assert data["stack"] == stack and len(data["buffer_offsets"]) == 3
    assert isinstance(data[stack], dict) and data[stack]
    for src in data["provenance"].values():
        assert src["label"] in LABELS and src["where"]
    assert lay.buffer_offsets() == [lay.buffer_offset(i) for i in range(lay.buffer_count)]
    assert lay.buffer_offsets(10**6) == lay.buffer_offsets()


@pytest.mark.parametrize("stack", list(STACKS))
def test_bad_index(stack):
    lay = plan_request(stack, _request(stack), 8)
    with pytest.raises(IndexError):
        lay.buffer_offset(lay.buffer_count)
    with pytest.raises(IndexError):
        lay.buffer_offset(-1)


@pytest.mark.parametrize("stack", list(STACKS))
def test_classic_bug_runs_beside_the_formula(stack):
    lay = plan_request(stack, _request(stack), 8)
    result = STACKS[stack].classic_bug(lay, 5)
    moved = -14 if stack == "dpdk" else 0  # DPDK's bug runs after a 14-byte prepend
    assert result.correct_offset == STACKS[stack].address(lay, 5) + moved
    assert result.offset_error == result.read_offset - result.correct_offset


def test_ndk_adapter_matches_the_pool():
    """The NDK pool's quirk: slot 5 is 5 × 448 bytes early; the frame is base + dataOffset."""
    lay = ndk_plan(buffer_size=1600, packet_count=32, headroom=8, data_offset=10)
    assert lay.buffer_offset(5) == lay.pool.buffer_offset(5) == 10240
    assert STACKS["ndk"].address(lay, 5) == 10250 and lay.usable_size == 2038
    assert ndk_bug(lay, 5).offset_error == -5 * 448


def test_unknown_stack():
    with pytest.raises(ValueError, match="known: ndk, netmap"):
        plan_request("vpp", 1600)


def test_stack_error_pickles():
    with pytest.raises(StackError) as err:
        plan_request("af_xdp", 1600)
    copy = pickle.loads(pickle.dumps(err.value))
    assert str(copy) == str(err.value) and copy.errno == "EINVAL"


@given(st.integers(1, 9000), st.integers(1, 100), st.integers(0, 64))
def test_ndk_buffers_inside_the_pool(size, count, headroom):
    """The adapter: every buffer inside the pool's memory, frame at base + dataOffset."""
    lay = ndk_plan(buffer_size=size, packet_count=count, headroom=min(headroom, size))
    for i in range(count):
        assert lay.buffer_offset(i) + lay.buffer_size <= lay.memory_size
        assert STACKS["ndk"].address(lay, i) == lay.buffer_offset(i) + lay.first_data_offset
    assert lay.buffer_size >= size and lay.usable_size == lay.buffer_size - lay.first_data_offset


@given(st.sampled_from(list(STACKS)), st.integers(1, 70000), st.integers(1, 40))
def test_regions_cover_one_stride_and_the_buffer(stack, size, count):
    """regions(): contiguous, exactly one stride long, the data room usable_size bytes from
    first_data_offset (none when nothing is usable)."""
    try:
        lay = plan_request(stack, size, count)
    except (StackError, ValueError):
        return
    regions = lay.regions()
    assert all(a.end == b.start for a, b in itertools.pairwise(regions))
    assert regions[-1].end - regions[0].start == lay.stride == regions[-1].end - lay.stride_start
    data = [r for r in regions if r.kind == "data"]
    room = (lay.first_data_offset, lay.first_data_offset + lay.usable_size)
    assert [(r.start, r.end) for r in data] == ([room] if lay.usable_size else [])
