"""FreeBSD mbufs: m_get2's choice of storage, m_adj(ETHER_ALIGN), mtod."""

import pytest
from hypothesis import given, strategies as st

from vethlab.stacks import StackError
from vethlab.stacks.mbuf import M_LEADINGSPACE, address, classic_bug, mtod, mtodo, plan


def test_1600_gets_a_2048_cluster():
    lay = plan(size=1600, count=8)
    assert (lay.zone, lay.buffer_size, lay.stride, lay.usable_size) == (
        "zone_pack",
        2048,
        2048,
        2048,
    )
    assert [lay.buffer_offset(i) for i in (0, 1, 5)] == [0, 2048, 10240]
    assert (lay.headroom, lay.first_data_offset) == (0, 0)
    assert lay.provenance["buffer_offsets"].label == "modelled"


def test_m_adj_ether_align():
    """m_adj(m, ETHER_ALIGN): m_data 2 bytes into the cluster."""
    lay = plan(size=1600, adj=2, count=8)
    m = lay.mbuf(5)
    assert mtod(m) == address(lay, 5) == 10242 and M_LEADINGSPACE(m) == 2
    assert mtodo(m, 14) == 10256 and lay.usable_size == 2046


@pytest.mark.parametrize(
    "size,pkthdr,zone,storage,start",
    [
        (100, True, "zone_mbuf", 168, 88),  # MHLEN: after m_hdr (32) and pkthdr (56)
        (168, True, "zone_mbuf", 168, 88),
        (169, True, "zone_pack", 2048, 0),
        (200, False, "zone_mbuf", 224, 32),  # MLEN
        (2049, True, "zone_jumbop", 4096, 0),
        (4096, True, "zone_jumbop", 4096, 0),
    ],
)
def test_m_get2_picks(size, pkthdr, zone, storage, start):
    lay = plan(size=size, pkthdr=pkthdr, count=3)
    assert (lay.zone, lay.buffer_size, lay.buffer_offset(0)) == (zone, storage, start)


def test_above_a_page_is_null():
    with pytest.raises(StackError) as err:
        plan(size=4097)
    assert (err.value.returns, err.value.errno) == ("NULL", None)
    assert "MJUMPAGESIZE (4096)" in err.value.reason
    assert plan(size=8192, page_size=8192).zone == "zone_jumbop"


def test_classic_bug_is_modelled():
    lay = plan(size=1600, adj=2, count=8)
    bug = classic_bug(lay, 5)
    assert bug.offset_error == -2 and bug.bug.label == "modelled" and bug.bug.report is None


@given(st.integers(0, 10_000), st.booleans(), st.integers(1, 40))
def test_refused_exactly_above_a_page(size, pkthdr, count):
    if size > 4096:
        with pytest.raises(StackError):
            plan(size=size, pkthdr=pkthdr, count=count)
        return
    lay = plan(size=size, pkthdr=pkthdr, count=count)
    assert lay.buffer_size >= size
    for i in range(count):
        assert lay.buffer_offset(i) + lay.buffer_size <= lay.memory_size
        assert lay.buffer_offset(i) == i * lay.stride + lay.buffer_offset(0)
