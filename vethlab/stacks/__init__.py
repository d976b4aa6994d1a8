"""vethlab's models of other zero-copy stacks: the question's question, asked of each.

What does a requested buffer size become, where does buffer i start, where is its first data
byte, and what is the headroom? Each module answers for one stack, in that stack's terms, with
the checks and rounding its source applies, the address formula as the stack writes it and the
stack's classic bug. ``ndk`` is the NetworkingDriverKit pool, through the same interface.

=============  ===================================================================================
``base``       the shared interface (:class:`StackLayout`), sources, refusals, classic bugs
``ndk``        NetworkingDriverKit, over :mod:`vethlab.model.layout` (1600 -> 2048)
``netmap``     netmap: ``NETMAP_BUF``; ``buf_size`` rounded to 64 (1600 stays 1600)
``af_xdp``     Linux AF_XDP UMEM: ``xsk_umem__get_data``; chunks of 2048..PAGE_SIZE, no rounding
``dpdk``       DPDK mbufs: ``rte_pktmbuf_mtod``; the headroom inside ``buf_len``
``skb``        Linux sk_buff: ``skb->data``; heads in kmalloc buckets (1600 -> kmalloc-2048)
``mbuf``       FreeBSD mbufs: ``mtod``; ``m_get2`` picks a 2048 cluster for 1600
=============  ===================================================================================

Every module has the same shape: ``NAME``, ``TITLE``, ``SOURCES``, a frozen config dataclass
with the source's defaults (x86-64, 4 KiB pages, 64-byte lines), ``plan(config, **fields)``
(raises :class:`StackError` where the stack refuses), the formula functions under the stack's
own names, ``address(layout, i)`` (``FORMULA`` says it as the stack writes it),
``CLASSIC_BUG`` and ``classic_bug(layout, i)``;
``REQUEST`` and ``COUNT`` name the config fields for a requested size and a buffer count.
This layer imports only ``model``: it is vethlab's model of other systems, not Apple API.
"""

from __future__ import annotations

from types import ModuleType

from vethlab.stacks import af_xdp, dpdk, mbuf, ndk, netmap, skb
from vethlab.stacks.base import (
    SHARED_KEYS,
    BugResult,
    ClassicBug,
    Region,
    Source,
    StackError,
    StackLayout,
)

__all__ = [
    "STACKS",
    "plan_request",
    "SHARED_KEYS",
    "BugResult",
    "ClassicBug",
    "Region",
    "Source",
    "StackError",
    "StackLayout",
]

#: Every stack, by the name ``vethlab layout --stack`` takes.
STACKS: dict[str, ModuleType] = {
    "ndk": ndk,
    "netmap": netmap,
    "af_xdp": af_xdp,
    "dpdk": dpdk,
    "skb": skb,
    "mbuf": mbuf,
}


def plan_request(stack: str, buffer_size: int, count: int | None = None, **options) -> StackLayout:
    """Plan ``stack`` for a request of ``buffer_size`` in the stack's own terms (its
    ``REQUEST`` field) and ``count`` buffers (its ``COUNT`` field); ``options`` are other
    fields of the stack's config."""
    try:
        module = STACKS[stack]
    except KeyError:
        raise ValueError(f"stack {stack!r} is unknown; known: {', '.join(STACKS)}") from None
    fields = {module.REQUEST: buffer_size, **options}
    if count is not None:
        fields[module.COUNT] = count
    return module.plan(**fields)
