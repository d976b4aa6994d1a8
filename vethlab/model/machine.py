"""Machine profiles and simulated boots: the numbers that differ between Macs.

=============  ============  ==========  =========================================
profile        IOVMPageSize  cache line  buffer segment size
=============  ============  ==========  =========================================
apple-silicon  16384         128         64 KiB or 80 KiB, drawn once per boot
intel          4096          64          64 KiB or 80 KiB, drawn once per boot
=============  ============  ==========  =========================================

Where each number comes from:

* page size: inferred from ``PAGE_MAX_SIZE`` in XNU and Apple's WWDC20 notes (16 KiB on Apple
  silicon, 4 KiB on Intel); DriverKit's ``IOVMPageSize`` is initialised from it. (observed)
* cache line: 128 bytes on Apple silicon, 64 on Intel. (observed)
* segment size: XNU's Skywalk sets the driver buffer segment to 64 KiB + 16 KiB ×
  (random % 2) at boot (``SKMEM_DRV_BUF_SEG_SIZE``, ``SKMEM_DRV_BUF_SEG_MULTIPLIER``), so a Mac
  uses 64 KiB or 80 KiB until it reboots. That DriverKit pools go through this code is
  inferred, not verified (IOSkywalkFamily is closed source). (observed in XNU, modelled here)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from vethlab.ioreturn import BadArgument
from vethlab.model.cint import uint32

__all__ = [
    "MachineProfile",
    "APPLE_SILICON",
    "INTEL",
    "PROFILES",
    "SEGMENT_SIZES",
    "SKMEM_DRV_BUF_SEG_SIZE",
    "SKMEM_MIN_SEG_SIZE",
    "Boot",
    "profile_named",
]

KiB = 1024
SKMEM_DRV_BUF_SEG_SIZE = 64 * KiB  #: XNU's default driver buffer segment
SKMEM_DRV_BUF_SEG_MULTIPLIER = 2  #: boot-time randomisation: + 16 KiB × (rand % 2)
SKMEM_MIN_SEG_SIZE = 16 * KiB  #: a requested segment size is rounded up to a multiple of this
SEGMENT_SIZES = (64 * KiB, 80 * KiB)


@dataclass(frozen=True)
class MachineProfile:
    """The fixed numbers of one kind of Mac."""

    name: str
    page_size: int  #: IOVMPageSize
    cache_line: int

    def __str__(self) -> str:
        return self.name


APPLE_SILICON = MachineProfile("apple-silicon", page_size=16384, cache_line=128)
INTEL = MachineProfile("intel", page_size=4096, cache_line=64)
PROFILES = {p.name: p for p in (APPLE_SILICON, INTEL)}


def profile_named(name: str | MachineProfile) -> MachineProfile:
    """Look a profile up by name ("apple-silicon" or "intel"); profiles pass through."""
    if isinstance(name, MachineProfile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise BadArgument(
            f"profile {name!r} is unknown; allowed: {', '.join(sorted(PROFILES))}"
        ) from None


@dataclass(frozen=True)
class Boot:
    """One simulated boot of a Mac: its profile and the segment size drawn at boot.

    ``Boot(profile, segment_size=None, seed=0)`` draws the segment size from ``seed`` the way
    XNU does (64 KiB + 16 KiB × (rand % 2)); pass ``segment_size`` to choose it.
    """

    profile: MachineProfile = APPLE_SILICON
    segment_size: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "profile", profile_named(self.profile))
        if self.segment_size is None:
            draw = random.Random(self.seed).randrange(1 << 32)
            size = SKMEM_DRV_BUF_SEG_SIZE + 16 * KiB * (draw % SKMEM_DRV_BUF_SEG_MULTIPLIER)
            object.__setattr__(self, "segment_size", size)
        else:
            size = uint32("segment size", self.segment_size)
            if size not in SEGMENT_SIZES:
                raise BadArgument(
                    f"segment size {size} is not one XNU draws at boot; "
                    f"allowed: {', '.join(str(s) for s in SEGMENT_SIZES)} (64 KiB or 80 KiB)"
                )
            object.__setattr__(self, "segment_size", size)

    @property
    def page_size(self) -> int:
        return self.profile.page_size

    @property
    def cache_line(self) -> int:
        return self.profile.cache_line
