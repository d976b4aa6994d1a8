"""``vethlab layout --stack``: the same question asked of another zero-copy stack.

``--stack ndk`` (the default) is ``vethlab layout`` as it always was; this module answers the
other stacks, with the options each has. ``--buffer-size`` is the request in the stack's own
terms (netmap's ``buf_size``, AF_XDP's ``chunk_size``, DPDK's ``data_room_size``, the size
passed to ``alloc_skb``, ``m_get2``'s size); ``--packets`` is the number of buffers.

A stack's refusal is raised as :class:`StackRefused`, an IOReturnError (the command line's
one error type, so ``vethlab`` exits with its error status) whose message is the stack's own:
its errno, the call and the reason.
"""

from __future__ import annotations

from vethlab.cli.common import integer, integer_choice
from vethlab.ioreturn import BadArgument, IOReturnError, kIOReturnBadArgument
from vethlab.stacks import STACKS, StackError, plan_request

__all__ = ["add_arguments", "run", "StackRefused", "OPTIONS"]

#: Each stack-specific option (argparse dest): the stacks that have it -> the config field it sets.
OPTIONS = {
    "headroom": {"af_xdp": "headroom", "dpdk": "pkt_mbuf_headroom"},
    "mode": {"af_xdp": "mode"},
    "mem_channels": {"dpdk": "mem_channels"},
    "mem_ranks": {"dpdk": "mem_ranks"},
    "priv_size": {"dpdk": "priv_size"},
    "no_spread": {"dpdk": "spread"},
    "initial_offset": {"netmap": "initial_offset"},
    "max_offset": {"netmap": "max_offset"},
    "allocator": {"skb": "allocator"},
    "reserve": {"skb": "reserve"},
    "m_adj": {"mbuf": "adj"},
    "no_pkthdr": {"mbuf": "pkthdr"},
    "page_size": {s: "page_size" for s in ("netmap", "af_xdp", "dpdk", "skb", "mbuf")},
}
#: Options of ``vethlab layout`` that only the ndk pool has (their default is None).
#: Ranges of the other stacks' options (their C types, or what the stack accepts).
HEADROOM = integer(0, 65535)
MEM_CHANNELS = integer(1, 64)
MEM_RANKS = integer(1, 16)
UINT16 = integer(0, 65535)
UINT32 = integer(0, 0xFFFF_FFFF)
M_ADJ = integer(-65535, 65535)
PAGE_SIZE = integer_choice((4096, 16384, 65536, 2097152, 1073741824))

NDK_ONLY = ("buffers", "segment_size", "memory_segment_size")


class StackRefused(IOReturnError):
    """A stack refused the request. ``stack_error`` is the stack's :class:`StackError`
    (``errno``, ``reason``, ``source``); the IOReturn code is kIOReturnBadArgument only so
    that the command line treats it as its other errors. Its message is the stack's."""

    def __init__(self, stack_error: StackError) -> None:
        self.stack_error = stack_error
        super().__init__(kIOReturnBadArgument, str(stack_error))

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (type(self), (self.stack_error,))


def add_arguments(p) -> None:
    """``--stack`` and the options only some stacks have (all default to None: unset)."""
    p.add_argument(
        "--stack",
        choices=list(STACKS),
        default="ndk",
        help="whose buffers: ndk (default: the NetworkingDriverKit pool), netmap, af_xdp, "
        "dpdk, skb or mbuf; --buffer-size is then the request in that stack's terms",
    )
    g = p.add_argument_group("options of other stacks (each only for the stacks named)")
    g.add_argument(
        "--headroom",
        type=HEADROOM,
        help=f"af_xdp: UMEM headroom (0); dpdk: {HEADROOM}, "
        "RTE_PKTMBUF_HEADROOM, the pkt_mbuf_headroom build option (128)",
    )
    g.add_argument(
        "--mode",
        choices=("aligned", "unaligned"),
        help="af_xdp: chunk mode (aligned; unaligned sets XDP_UMEM_UNALIGNED_CHUNK_FLAG)",
    )
    g.add_argument(
        "--mem-channels",
        type=MEM_CHANNELS,
        help=f"dpdk: memory channels, EAL -n, {MEM_CHANNELS} (unset: 4)",
    )
    g.add_argument(
        "--mem-ranks", type=MEM_RANKS, help=f"dpdk: memory ranks, EAL -r, {MEM_RANKS} (unset: 1)"
    )
    g.add_argument("--priv-size", type=UINT16, help=f"dpdk: mbuf private area size, {UINT16} (0)")
    g.add_argument(
        "--no-spread",
        action="store_const",
        const=False,
        default=None,
        help="dpdk: RTE_MEMPOOL_F_NO_SPREAD (no padding across memory channels)",
    )
    g.add_argument(
        "--initial-offset",
        type=UINT32,
        help=f"netmap: NETMAP_REQ_OPT_OFFSETS nro_initial_offset, {UINT32} (0)",
    )
    g.add_argument(
        "--max-offset",
        type=UINT32,
        help=f"netmap: NETMAP_REQ_OPT_OFFSETS nro_max_offset, {UINT32} (0)",
    )
    g.add_argument(
        "--allocator",
        choices=("alloc_skb", "netdev_alloc_skb"),
        help="skb: the allocation call (alloc_skb)",
    )
    g.add_argument(
        "--reserve", type=UINT16, help=f"skb: skb_reserve() after allocation, {UINT16} (0)"
    )
    g.add_argument(
        "--m-adj",
        type=M_ADJ,
        help=f"mbuf: m_adj(m, N) after allocation, e.g. 2 = ETHER_ALIGN, {M_ADJ} (0)",
    )
    g.add_argument(
        "--no-pkthdr",
        action="store_const",
        const=False,
        default=None,
        help="mbuf: m_get2 without M_PKTHDR",
    )
    g.add_argument(
        "--page-size",
        type=PAGE_SIZE,
        help="netmap, af_xdp, skb, mbuf: PAGE_SIZE (4096); dpdk: the hugepage size "
        "(2097152; 4096 models --no-huge)",
    )


def _options(args) -> dict:
    """The config fields the options set for ``args.stack``; an error for an option the
    stack does not have."""
    fields = {}
    for dest, by_stack in OPTIONS.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        flag = "--" + dest.replace("_", "-")
        if args.stack not in by_stack:
            raise BadArgument(f"{flag} applies to --stack {' or '.join(by_stack)} only")
        fields[by_stack[args.stack]] = value
    if args.stack != "ndk":
        for dest in NDK_ONLY:
            if getattr(args, dest, None) not in (None, 0):
                raise BadArgument(f"--{dest.replace('_', '-')} applies to --stack ndk only")
    return fields


def run(args):
    """``(text, json)`` for a stack other than ndk; None for ndk (``layout`` answers it).
    Raises StackRefused where the stack refuses, BadArgument for an option it lacks."""
    fields = _options(args)
    if args.stack == "ndk":
        return None
    try:
        lay = plan_request(args.stack, args.buffer_size, args.packets, **fields)
    except StackError as err:
        raise StackRefused(err) from err
    except ValueError as err:  # outside what the model covers (vethlab's refusal, not the stack's)
        raise BadArgument(f"{args.stack}: {err}") from err
    return _text(lay, args.rows), lay.summary()


def _text(lay, rows: int) -> str:
    module = STACKS[lay.stack]
    lines = [
        f"stack            {module.TITLE}",
        f"request          {module.REQUEST} {lay.requested_buffer_size}",
        f"buffer size      {lay.buffer_size} ({module.BUFFER_SIZE})",
        f"usable           {lay.usable_size} bytes from the first data byte",
        f"headroom         {lay.headroom}; first data byte at buffer + {lay.first_data_offset}",
        f"stride           {lay.stride}",
        f"buffers          {lay.buffer_count} in {lay.memory_size} bytes",
        f"origin           {lay.origin}",
        "",
        f"{'buffer':>6}  {'buffer offset':>13}  {'first data byte':>15}",
    ]
    for i in range(min(rows, lay.buffer_count)):
        lines.append(f"{i:>6}  {lay.buffer_offset(i):>#13x}  {module.address(lay, i):>#15x}")
    if lay.buffer_count > rows:
        lines.append(f"   ... {lay.buffer_count - rows} more (--rows N, or --json)")
    lines.append("")
    lines.append("where each value comes from:")
    for key, src in lay.provenance.items():
        lines.append(f"  {key:<18} {src.label:<9} {src.where}")
    return "\n".join(lines)
