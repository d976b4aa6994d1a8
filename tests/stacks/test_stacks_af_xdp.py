"""AF_XDP: xdp_umem_reg()'s checks, chunk + headroom + 256, and the packet read at the chunk."""

import pytest
from hypothesis import given, strategies as st

from vethlab.stacks import StackError
from vethlab.stacks.af_xdp import (
    address,
    classic_bug,
    plan,
    xsk_umem__add_offset_to_addr,
    xsk_umem__extract_addr,
    xsk_umem__extract_offset,
    xsk_umem__get_data,
)


def test_1600_is_refused_with_the_reason():
    """A 1600-byte chunk: -EINVAL, below XDP_UMEM_MIN_CHUNK_SIZE; no rounding."""
    with pytest.raises(StackError) as err:
        plan(chunk_size=1600)
    e = err.value
    assert (e.stack, e.errno, e.returns) == ("af_xdp", "EINVAL", "-EINVAL")
    assert "XDP_UMEM_MIN_CHUNK_SIZE (2048)" in e.reason and "xdp_umem_reg" in e.call
    assert "net/xdp/xdp_umem.c" in e.source.where


def test_2048_chunks_data_at_256():
    """The reference's example: chunks 0, 1, 5 at U, U+2048, U+10240; data 256 further."""
    lay = plan(chunk_size=2048, chunk_count=8)
    assert [lay.buffer_offset(i) for i in (0, 1, 5)] == [0, 2048, 10240]
    assert [address(lay, i) for i in (0, 1, 5)] == [256, 2304, 10496]
    assert (lay.headroom, lay.first_data_offset, lay.usable_size) == (256, 256, 1792)


def test_default_4096():
    lay = plan(chunk_count=8)
    assert lay.chunk_size == 4096
    assert [address(lay, i) for i in (0, 1, 5)] == [256, 4352, 20736]


def test_umem_headroom_adds_to_256():
    lay = plan(chunk_size=2048, headroom=64, chunk_count=4)
    assert lay.first_data_offset == 320 and lay.usable_size == 2048 - 64 - 256
    assert lay.own_fields()["headroom"] == 64


@pytest.mark.parametrize(
    "fields,words",
    [
        ({"chunk_size": 8192}, "above PAGE_SIZE (4096)"),
        ({"chunk_size": 3000}, "not a power of two"),
        ({"chunk_size": 2048, "len": 1000}, "holds no chunk"),
        ({"chunk_size": 2048, "len": 5000}, "not a multiple"),
        ({"chunk_size": 2048, "headroom": 1792}, "headroom 1792 >= chunk_size 2048"),
    ],
)
def test_what_xdp_umem_reg_refuses(fields, words):
    with pytest.raises(StackError, match="EINVAL") as err:
        plan(**fields)
    assert words in err.value.reason


def test_unaligned_mode_allows_what_aligned_refuses():
    assert plan(chunk_size=3000, mode="unaligned", chunk_count=4).chunk_size == 3000
    assert plan(chunk_size=2048, len=5000, mode="unaligned").chunks == 2
    assert plan(chunk_size=8192, page_size=16384, chunk_count=2).chunk_size == 8192
    assert plan(chunk_size=2048, headroom=1791, chunk_count=1).usable_size == 1


def test_unaligned_addr_carries_the_offset_in_the_top_bits():
    lay = plan(chunk_size=3000, mode="unaligned", chunk_count=4)
    addr = lay.rx_addr(2)
    assert xsk_umem__extract_addr(addr) == 6000 and xsk_umem__extract_offset(addr) == 256
    assert xsk_umem__add_offset_to_addr(addr) == 6256 == address(lay, 2)
    assert xsk_umem__get_data(0x7F0000000000, 6256) == 0x7F0000000000 + 6256


def test_aligned_addr_masked_back_to_its_chunk():
    lay = plan(chunk_size=2048, chunk_count=8)
    assert lay.rx_addr(5) & lay.chunk_mask == lay.buffer_offset(5)


def test_classic_bug_reads_the_headroom():
    """xdp-tutorial#448: the packet read at the chunk it was posted as: 256 (+ headroom) early."""
    lay = plan(chunk_size=2048, chunk_count=8)
    assert classic_bug(lay, 5).offset_error == -256
    assert classic_bug(plan(chunk_size=2048, headroom=64, chunk_count=8), 5).offset_error == -320


@given(
    st.integers(0, 20_000),
    st.integers(0, 5000),
    st.sampled_from(["aligned", "unaligned"]),
    st.integers(1, 64),
    st.sampled_from([4096, 16384]),
)
def test_refusals_exactly_where_xdp_umem_reg_refuses(chunk, headroom, mode, count, page):
    aligned = mode == "aligned"
    ok = (
        2048 <= chunk <= page
        and (not aligned or chunk & (chunk - 1) == 0)
        and headroom < chunk - 256
    )
    if not ok:
        with pytest.raises(StackError):
            plan(chunk_size=chunk, headroom=headroom, mode=mode, chunk_count=count, page_size=page)
        return
    lay = plan(chunk_size=chunk, headroom=headroom, mode=mode, chunk_count=count, page_size=page)
    assert lay.buffer_size == lay.stride == chunk  # never rounded
    assert lay.usable_size + lay.first_data_offset == chunk
    for i in range(count):
        assert lay.buffer_offset(i) <= address(lay, i) < lay.buffer_offset(i) + chunk
        assert lay.buffer_offset(i) + chunk <= lay.memory_size
