"""sk_buff: kmalloc buckets, the shared info at the end, netdev_alloc_skb's pad, skb->tail."""

import pytest
from hypothesis import given, strategies as st

from vethlab.stacks import StackError
from vethlab.stacks.skb import (
    DIRECT_MAP_BASE,
    address,
    classic_bug,
    kmalloc_size_roundup,
    plan,
    skb_end_pointer,
    skb_headroom,
    skb_shinfo,
    skb_tail_pointer,
)


def test_alloc_skb_1600_lands_in_kmalloc_2048():
    """The reference's example: 1600 + 320 = 1920 -> kmalloc-2048; end 1728 (128 spare);
    shinfo at head + 1728; truesize = 1728 + 320 + SKB_DATA_ALIGN(sizeof(sk_buff))."""
    lay = plan(size=1600, count=8)
    assert (lay.cache, lay.buffer_size, lay.end, lay.usable_size) == (
        "kmalloc-2048",
        2048,
        1728,
        1728,
    )
    assert lay.truesize == 1728 + 320 + 256  # sizeof(struct sk_buff) 232 (modelled) -> 256
    assert [lay.buffer_offset(i) for i in (0, 1, 5)] == [0, 2048, 10240]
    skb = lay.skb(5)
    assert skb_shinfo(skb) == skb_end_pointer(skb) == 10240 + 1728
    assert address(lay, 5) == skb.data == skb.head and skb_headroom(skb) == 0
    assert lay.provenance["stride"].label == "modelled"


def test_skb_reserve_is_headroom():
    lay = plan(size=1600, reserve=64, count=2)
    assert (lay.headroom, lay.first_data_offset, lay.usable_size) == (64, 64, 1664)
    assert skb_headroom(lay.skb(1)) == 64


def test_netdev_alloc_skb_1600_is_a_page_fragment():
    """1600 + NET_SKB_PAD 64 = 1664; SKB_HEAD_ALIGN 1984-byte fragment; data = head + 64."""
    lay = plan(size=1600, allocator="netdev_alloc_skb", count=4)
    assert (lay.cache, lay.buffer_size, lay.end, lay.headroom) == ("page_frag", 1984, 1664, 64)
    assert lay.usable_size == 1600 and lay.truesize == 1664 + 256 + 320
    assert address(lay, 1) == 1984 + 64


@pytest.mark.parametrize(
    "size,cache,end",
    [
        (500, "kmalloc-1024", 704),  # 564 <= SKB_WITH_OVERHEAD(1024): kmalloc, not a fragment
        (4000, "kmalloc-8192", 7872),  # 4064 > SKB_WITH_OVERHEAD(4096)
    ],
)
def test_netdev_alloc_skb_outside_the_fragment_range(size, cache, end):
    lay = plan(size=size, allocator="netdev_alloc_skb", count=1)
    assert (lay.cache, lay.end, lay.headroom) == (cache, end, 64)


@pytest.mark.parametrize(
    "size,cache,end",
    [
        (0, "skb_small_head_cache", 320),
        (320, "skb_small_head_cache", 320),
        (321, "kmalloc-1024", 704),
        (1728, "kmalloc-2048", 1728),
        (1729, "kmalloc-4096", 3776),
        (9000, "kmalloc (pages)", 16384 - 320),
    ],
)
def test_alloc_skb_buckets(size, cache, end):
    lay = plan(size=size, count=1)
    assert (lay.cache, lay.end) == (cache, end)


def test_without_the_small_head_cache():
    assert plan(size=0, count=1, small_head_cache_size=0).cache == "kmalloc-512"


@pytest.mark.parametrize(
    "size,bucket",
    [
        (1, 8),
        (8, 8),
        (9, 16),
        (65, 96),
        (96, 96),
        (97, 128),
        (129, 192),
        (193, 256),
        (1025, 2048),
        (2049, 4096),
        (8192, 8192),
        (8193, 16384),
        (12289, 16384),
        (16385, 32768),
    ],
)
def test_kmalloc_size_roundup(size, bucket):
    assert kmalloc_size_roundup(size) == bucket


def test_size_classes_follow_kmalloc_min_size():
    """Where KMALLOC_MIN_SIZE is 128 (DMA alignment), there is no 96 cache and no 192 cache."""
    assert kmalloc_size_roundup(90, kmalloc_min_size=128) == 128
    assert kmalloc_size_roundup(150, kmalloc_min_size=128) == 256
    assert kmalloc_size_roundup(150, kmalloc_min_size=64) == 192


def test_too_big_is_null():
    with pytest.raises(StackError) as err:
        plan(size=5 << 20, count=1)
    assert err.value.returns == "NULL" and err.value.errno is None
    assert err.value.source.label == "modelled"


def test_classic_bug_tail_taken_for_a_pointer():
    """skb->tail is an offset on 64-bit: used as an address it is off by the head's address."""
    lay = plan(size=1600, reserve=64, count=8)
    bug = classic_bug(lay, 5)
    assert bug.correct_offset == skb_tail_pointer(lay.skb(5)) == 10240 + 64
    assert bug.offset_error == -(DIRECT_MAP_BASE + 10240)
    assert bug.bug.label == "modelled"


@given(
    st.integers(0, 20_000),
    st.sampled_from(["alloc_skb", "netdev_alloc_skb"]),
    st.integers(0, 128),
    st.integers(1, 40),
)
def test_heads_hold_what_was_asked(size, allocator, reserve, count):
    lay = plan(size=size, allocator=allocator, reserve=reserve, count=count)
    pad = 64 if allocator == "netdev_alloc_skb" else 0
    assert lay.end + 320 == lay.buffer_size  # the shared info fills the end of the object
    assert lay.end >= -(-(size + pad) // 64) * 64
    assert lay.usable_size >= size - reserve
    assert lay.first_data_offset == pad + reserve
    for i in range(count):
        start = lay.buffer_offset(i)
        assert start + lay.buffer_size <= lay.memory_size
        assert start // lay.slab_size == (start + lay.buffer_size - 1) // lay.slab_size
