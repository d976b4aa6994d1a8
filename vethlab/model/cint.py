"""The one check for a C integer crossing into the simulation.

Wherever a number passes from a learner's code into the simulated Mac (a DriverKit call, an
IOKit call, a field of an options struct, a value a dext sends to an app), it goes through
:func:`c_int`. The rule, the same everywhere (modelled: C would convert silently or refuse
to compile; vethlab names the mistake instead):

* accepted: a Python ``int`` or a numpy integer (``np.uint8``, ``np.int64``, …) within
  ``low..high``; it comes back as a plain Python ``int``, so later arithmetic cannot
  overflow or wrap a numpy type;
* refused: ``bool`` (Python's or numpy's), ``float`` (even ``2.0``), ``None``, strings and
  everything else, and any integer outside ``low..high``. The refusal is
  :class:`~vethlab.ioreturn.BadArgument` (``kIOReturnBadArgument``) with a message naming the
  argument, the value and the allowed range::

      headroom 300 is out of range; allowed: 0..255 (uint8_t)

``low..high`` is what the call allows, which may be narrower than the C type; ``ctype`` names
the C type for the message. ``uint8`` … ``uint64`` check the whole range of their type.
"""

from __future__ import annotations

import numpy as np

from vethlab.ioreturn import BadArgument

__all__ = [
    "round_up",
    "c_int",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "UINT8_MAX",
    "UINT16_MAX",
    "UINT32_MAX",
    "UINT64_MAX",
]

UINT8_MAX = 0xFF
UINT16_MAX = 0xFFFF
UINT32_MAX = 0xFFFF_FFFF
UINT64_MAX = 0xFFFF_FFFF_FFFF_FFFF


def c_int(name: str, value, low: int, high: int, *, ctype: str | None = None) -> int:
    """``value`` as a Python ``int`` if it is an integer in ``low..high``; else
    ``BadArgument`` naming ``name``, the value and the allowed range (and ``ctype``)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise BadArgument(
            f"{name} {value!r} is not an integer; allowed: {_allowed(low, high, ctype)}"
        )
    value = int(value)
    if not low <= value <= high:
        raise BadArgument(f"{name} {value} is out of range; allowed: {_allowed(low, high, ctype)}")
    return value


def uint8(name: str, value, low: int = 0, high: int = UINT8_MAX) -> int:
    """:func:`c_int` for a ``uint8_t`` (``low..high`` narrows what the call allows)."""
    return c_int(name, value, low, high, ctype="uint8_t")


def uint16(name: str, value, low: int = 0, high: int = UINT16_MAX) -> int:
    """:func:`c_int` for a ``uint16_t``."""
    return c_int(name, value, low, high, ctype="uint16_t")


def uint32(name: str, value, low: int = 0, high: int = UINT32_MAX) -> int:
    """:func:`c_int` for a ``uint32_t``."""
    return c_int(name, value, low, high, ctype="uint32_t")


def uint64(name: str, value, low: int = 0, high: int = UINT64_MAX) -> int:
    """:func:`c_int` for a ``uint64_t``."""
    return c_int(name, value, low, high, ctype="uint64_t")


def _allowed(low: int, high: int, ctype: str | None) -> str:
    text = f"{_bound(low)}..{_bound(high)}"
    return f"{text} ({ctype})" if ctype else text


def _bound(n: int) -> str:
    """A type's all-ones maximum from 32 bits up reads better in hex (0xffffffff)."""
    return f"0x{n:x}" if n >= UINT32_MAX and n & (n + 1) == 0 else str(n)


def round_up(value: int, multiple: int) -> int:
    """``value`` rounded up to a multiple of ``multiple``, any positive ``multiple``: the one
    round-up of vethlab (``vethlab.model.layout`` uses it, and re-exports it).

    This is XNU's ``SK_ROUNDUP`` (``skywalk_common.h:93-94``), which the segment arithmetic
    uses where the multiple need not be a power of two ("can't use P2ROUNDUP since seglim may
    not be power of 2", ``skmem_region.c``).
    """
    return -(-value // multiple) * multiple
