"""netmap: buf_size rounded to 64, clusters of whole pages, NETMAP_BUF, and netmap#391."""

from itertools import pairwise

import pytest
from hypothesis import given, strategies as st

from vethlab.stacks import StackError
from vethlab.stacks.netmap import (
    NETMAP_BUF,
    NETMAP_BUF_IDX,
    NETMAP_BUF_OFFSET,
    address,
    classic_bug,
    plan,
)


def test_1600_stays_1600_in_clusters_of_25_pages():
    """The reference's example: stride 1600, 64 buffers per 25 pages; 0, 1, 5 at B, +1600, +8000."""
    lay = plan(buf_size=1600, buf_num=32)
    assert (lay.nr_buf_size, lay.stride, lay.buffer_size, lay.usable_size) == (
        1600,
        1600,
        1600,
        1600,
    )
    assert (lay.clustentries, lay.clustsize, lay.objtotal) == (64, 25 * 4096, 64)
    assert [lay.buffer_offset(i) for i in (0, 1, 5)] == [0, 1600, 8000]
    assert (lay.headroom, lay.first_data_offset) == (0, 0)


def test_default_2048():
    """Default buf_size 2048: B, B+2048, B+10240; two buffers per page."""
    lay = plan(buf_num=32)
    assert lay.nr_buf_size == 2048 and lay.clustentries == 2
    assert [lay.buffer_offset(i) for i in (0, 1, 5)] == [0, 2048, 10240]


@pytest.mark.parametrize(
    "asked,real", [(1, 64), (64, 64), (1500, 1536), (1514, 1536), (9000, 9024)]
)
def test_rounded_up_to_64(asked, real):
    assert plan(buf_size=asked, buf_num=4).nr_buf_size == real


@pytest.mark.parametrize(
    "buf_size,words",
    [
        (0, "out of range [64, 65536]"),
        (65537, "requested objsize 65600 out of range"),
        (1 << 22, "unsupported allocation"),
    ],
)
def test_sizes_netmap_refuses(buf_size, words):
    with pytest.raises(StackError, match=r"EINVAL") as err:
        plan(buf_size=buf_size, buf_num=4)
    assert words in err.value.reason and err.value.errno == "EINVAL"
    assert err.value.source.label == "source"


@pytest.mark.parametrize("buf_num", [0, 3, 1_000_001])
def test_counts_netmap_refuses(buf_num):
    with pytest.raises(StackError, match="objtotal"):
        plan(buf_num=buf_num)


def test_65536_is_the_largest():
    lay = plan(buf_size=65536, buf_num=4)
    assert lay.nr_buf_size == 65536 and lay.clustentries == 1


def test_formula_and_inverse():
    lay = plan(buf_size=1600, buf_num=100)
    ring = lay.ring(buf_ofs=12345)
    assert ring.addr + ring.buf_ofs == 0  # offsets are from B
    for i in (0, 1, 7, 99):
        assert NETMAP_BUF(ring, i) == 1600 * i
        assert NETMAP_BUF_IDX(ring, NETMAP_BUF(ring, i) + 1599) == i


def test_offsets_option():
    """nro_initial_offset puts the data 64 bytes in; netmap_offsets_init() refuses the rest."""
    lay = plan(buf_size=2048, buf_num=4, max_offset=128, initial_offset=64)
    assert lay.first_data_offset == 64 and lay.headroom == 0 and lay.usable_size == 1984
    assert address(lay, 3) == NETMAP_BUF_OFFSET(lay.ring(), lay.slot(3)) == 3 * 2048 + 64
    with pytest.raises(StackError, match="max offset 4096 > buf size 2048"):
        plan(buf_size=2048, buf_num=4, max_offset=4096)
    with pytest.raises(StackError, match="initial offset 200 > max offset 128"):
        plan(buf_size=2048, buf_num=4, max_offset=128, initial_offset=200)
    with pytest.raises(StackError, match="to large for 6 bits"):
        plan(buf_size=2048, buf_num=4, max_offset=128, offset_bits=6)


def test_classic_bug_half_written_nr_buf_size():
    """netmap#391: an upper half of 1 adds 65536 per buffer; 65536 with 0 aliases buffer 0."""
    lay = plan(buf_size=1600, buf_num=32)
    bug = classic_bug(lay, 5)
    assert (bug.correct_offset, bug.offset_error) == (8000, 5 * 65536)
    assert bug.bug.report == "luigirizzo/netmap#391"
    assert classic_bug(lay, 0).offset_error == 0
    big = plan(buf_size=65536, buf_num=4)
    assert classic_bug(big, 3, stale_upper=0).read_offset == 0


@given(st.integers(0, 70_000), st.integers(0, 3000))
def test_refusals_exactly_where_netmap_refuses(buf_size, buf_num):
    """Refused iff the 64-rounded size is outside 64..65536 or the count outside 4..1000000;
    otherwise the stride is the rounded size, clusters are whole pages, and every buffer lies
    inside the pool."""
    rounded = -(-buf_size // 64) * 64
    ok = 64 <= rounded <= 65536 and buf_num >= 4
    if not ok:
        with pytest.raises(StackError):
            plan(buf_size=buf_size, buf_num=buf_num)
        return
    lay = plan(buf_size=buf_size, buf_num=buf_num)
    assert lay.stride == lay.nr_buf_size == rounded
    assert lay.clustsize % 4096 == 0 and lay.clustsize == lay.clustentries * rounded
    assert buf_num <= lay.objtotal < buf_num + lay.clustentries
    offsets = lay.buffer_offsets()
    assert all(b - a == rounded for a, b in pairwise(offsets))
    assert offsets[-1] + lay.buffer_size == lay.memory_size
