"""DPDK: the headroom inside buf_len, rte_mempool_calc_obj_size's spreading, rte_pktmbuf_mtod."""

from math import gcd

import pytest
from hypothesis import given, strategies as st

from vethlab.stacks import StackError
from vethlab.stacks.dpdk import address, calc_obj_size, classic_bug, plan, rte_pktmbuf_mtod_offset


def test_1600_keeps_its_headroom_inside():
    """The reference's example: element 1728, object 1856 (29 lines), mbufs 0, 1, 5 at
    P+64, P+1920, P+9344 and data at P+320, P+2176, P+9600; 1472 bytes: too few for 1514."""
    lay = plan(data_room_size=1600, n=8)
    assert (lay.buf_len, lay.data_off, lay.usable_size, lay.stride) == (1600, 128, 1472, 1856)
    assert [lay.mbuf_offset(i) for i in (0, 1, 5)] == [64, 1920, 9344]
    assert [lay.buffer_offset(i) for i in (0, 1, 5)] == [192, 2048, 9472]
    assert [address(lay, i) for i in (0, 1, 5)] == [320, 2176, 9600]
    assert lay.usable_size < 1514


def test_default_2176():
    lay = plan(n=8)
    assert lay.stride == 2368
    assert [address(lay, i) for i in (0, 1, 5)] == [320, 2688, 12160]
    assert lay.usable_size == 2048


@pytest.mark.parametrize(
    "fields,total",
    [
        ({}, 1856),  # 28 lines share 4 with nchan 4 (unset): 29 lines
        ({"spread": False}, 1792),  # RTE_MEMPOOL_F_NO_SPREAD
        ({"mem_channels": 1}, 1792),
        ({"mem_channels": 2}, 1856),
        ({"mem_channels": 3}, 1792),  # gcd(28, 3) == 1
        ({"mem_channels": 3, "mem_ranks": 3}, 1792),  # gcd(28, 9) == 1
        ({"mem_channels": 7}, 1856),  # gcd(28, 7) == 7: 29 lines
    ],
)
def test_channel_spreading(fields, total):
    """arch_mem_object_align(): 1792 bytes = 28 lines, grown until they share no factor with
    channels × ranks."""
    assert plan(data_room_size=1600, n=2, **fields).stride == total


def test_priv_size_must_be_aligned():
    with pytest.raises(StackError) as err:
        plan(priv_size=4)
    assert err.value.errno == "EINVAL" and err.value.returns == "NULL, rte_errno = EINVAL"
    assert "priv_size=4 is not aligned" in err.value.reason
    lay = plan(priv_size=8, n=2)
    assert lay.buffer_offset(0) - lay.mbuf_offset(0) == 136


def test_data_room_below_headroom():
    """data_off = RTE_MIN(RTE_PKTMBUF_HEADROOM, buf_len): no room left."""
    lay = plan(data_room_size=100, n=2)
    assert (lay.data_off, lay.usable_size) == (100, 0)


def test_uint16_parameters():
    with pytest.raises(ValueError, match="uint16_t"):
        plan(data_room_size=70_000)


def test_objects_never_cross_a_page():
    """On 4 KiB pages (--no-huge) the third 1856-byte object moves to the next page."""
    lay = plan(data_room_size=1600, n=4, page_size=4096)
    assert [lay.mbuf_offset(i) for i in range(4)] == [64, 1920, 4096 + 64, 4096 + 1920]


def test_formula_with_offset():
    lay = plan(data_room_size=1600, n=2)
    assert rte_pktmbuf_mtod_offset(lay.mbuf(1), 14) == 2176 + 14


def test_classic_bug_default_data_off():
    """odp#1346: after a 14-byte prepend, buf_addr + RTE_PKTMBUF_HEADROOM is 14 bytes late."""
    lay = plan(data_room_size=1600, n=8)
    bug = classic_bug(lay, 5)
    assert (bug.correct_offset, bug.offset_error) == (9600 - 14, 14)
    assert classic_bug(lay, 5, prepended=0).offset_error == 0


@given(
    st.integers(0, 65535),
    st.integers(0, 32).map(lambda k: 8 * k),
    st.integers(0, 8),
    st.integers(0, 4),
    st.booleans(),
    st.integers(1, 40),
    st.sampled_from([4096, 2 << 20]),
)
def test_object_sizes_and_placement(room, priv, chans, ranks, spread, n, page):
    lay = plan(
        data_room_size=room,
        priv_size=priv,
        mem_channels=chans,
        mem_ranks=ranks,
        spread=spread,
        n=n,
        page_size=page,
    )
    obj = calc_obj_size(128 + priv + room, lay.config)
    assert lay.stride == obj.total_size and obj.total_size % 64 == 0
    assert obj.total_size >= 64 + -(-(128 + priv + room) // 8) * 8
    if spread:
        assert gcd(obj.total_size // 64, (chans or 4) * (ranks or 1)) == 1
    mbufs = [lay.mbuf_offset(i) for i in range(n)]
    for i, m in enumerate(mbufs):
        start, end = m - 64, m - 64 + obj.total_size
        assert end <= lay.memory_size
        if obj.total_size <= page:
            assert start // page == (end - 1) // page  # never across a page
        if i:
            assert m - mbufs[i - 1] >= obj.total_size
        assert lay.buffer_offset(i) + lay.buf_len <= end  # the buffer is inside its object


@given(st.integers(0, 300), st.integers(0, 65535))
def test_priv_size_refused_exactly_when_unaligned(priv, room):
    if priv % 8:
        with pytest.raises(StackError):
            plan(priv_size=priv, data_room_size=room, n=1)
    else:
        lay = plan(priv_size=priv, data_room_size=room, n=1)
        assert lay.data_off == min(128, room) and lay.usable_size == room - lay.data_off
