"""Machine profiles and simulated boots: the numbers that differ between Macs.

=============  ============  ==========  ====  =========================================
profile        IOVMPageSize  cache line  CPUs  boot's buffer segment size
=============  ============  ==========  ====  =========================================
apple-silicon  16384         128         8     64 KiB or 80 KiB, drawn once per boot
intel          4096          64          4     64 KiB or 80 KiB, drawn once per boot
=============  ============  ==========  ====  =========================================

Where each number comes from:

* page size: 16 KiB on Apple silicon, 4 KiB on Intel (source: XNU's ``PAGE_MAX_SIZE``; Apple's
  WWDC20 notes say the same); DriverKit's ``IOVMPageSize`` is initialised from it.
* cache line: 128 bytes on Apple silicon, 64 on Intel (source: XNU's
  ``skmem_cpu_cache_line_size``, which reads the hardware).
* segment size: XNU's Skywalk sets the driver buffer segment to 64 KiB + 16 KiB ×
  (random % 2) at boot (``SKMEM_DRV_BUF_SEG_SIZE``, ``SKMEM_DRV_BUF_SEG_MULTIPLIER``), so a Mac
  uses 64 KiB or 80 KiB until it reboots. That DriverKit pools go through this code is
  not documented (IOSkywalkFamily is closed source). (source: XNU
  ``skmem_region_init``, ``skmem_region.c:338-380``; the draw itself is modelled with ``seed``)
  The boot-arg ``skmem_drv_buf_seg_size`` replaces the draw: at least 16 KiB, rounded up to
  16 KiB, never randomised (source: the same lines). ``Boot(boot_arg_segment_size=N)`` models it.
  A pool whose caller passes ``memorySegmentSize`` does not use the boot's value at all
  (``vethlab.model.layout``).
* CPUs: the count XNU's per-CPU magazines are sized by, which matters only for buffers of
  32 KiB or more (``vethlab.model.layout``). Macs differ; 8 and 4 are vethlab's choice. (modelled)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from vethlab.ioreturn import BadArgument
from vethlab.model.cint import round_up, uint32

__all__ = [
    "MachineProfile",
    "APPLE_SILICON",
    "INTEL",
    "PROFILES",
    "SEGMENT_SIZES",
    "SKMEM_DRV_BUF_SEG_SIZE",
    "SKMEM_MIN_SEG_SIZE",
    "SKMEM_SEG_SIZE",
    "Boot",
    "profile_named",
]

KiB = 1024
SKMEM_DRV_BUF_SEG_SIZE = 64 * KiB  #: XNU's default driver buffer segment
SKMEM_DRV_BUF_SEG_MULTIPLIER = 2  #: boot-time randomisation: + 16 KiB × (rand % 2)
SKMEM_MIN_SEG_SIZE = 16 * KiB  #: a requested segment size is rounded up to a multiple of this
SEGMENT_SIZES = (64 * KiB, 80 * KiB)
#: XNU's ``SKMEM_SEG_SIZE`` (``skmem_var.h``): the floor a ``skmem_drv_buf_seg_size`` boot-arg
#: is raised to (``skmem_region_init``).
SKMEM_SEG_SIZE = SKMEM_MIN_SEG_SIZE
#: Largest boot-arg segment size the model accepts (modelled: keeps the simulation in memory).
MAX_BOOT_ARG_SEGMENT_SIZE = 1 << 30


@dataclass(frozen=True)
class MachineProfile:
    """The fixed numbers of one kind of Mac."""

    name: str
    page_size: int  #: IOVMPageSize
    cache_line: int
    #: CPUs, for the size of XNU's per-CPU magazines (modelled: a typical count, see above).
    ncpu: int = 8

    def __str__(self) -> str:
        return self.name


APPLE_SILICON = MachineProfile("apple-silicon", page_size=16384, cache_line=128, ncpu=8)
INTEL = MachineProfile("intel", page_size=4096, cache_line=64, ncpu=4)
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
    ``boot_arg_segment_size`` is the ``skmem_drv_buf_seg_size`` boot-arg: it replaces the draw
    (at least 16 KiB, rounded up to 16 KiB; source: ``skmem_region.c:338-380``).

    ``segment_size`` is where a pool's buffer segment *starts*; XNU then resizes it to the pool
    (``vethlab.model.layout``).
    """

    profile: MachineProfile = APPLE_SILICON
    segment_size: int | None = None
    seed: int = 0
    boot_arg_segment_size: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "profile", profile_named(self.profile))
        if self.boot_arg_segment_size is not None:
            self._apply_boot_arg()
        elif self.segment_size is None:
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

    def _apply_boot_arg(self) -> None:
        # The limit keeps the simulation in memory (modelled).
        arg = uint32(
            "boot-arg skmem_drv_buf_seg_size",
            self.boot_arg_segment_size,
            0,
            MAX_BOOT_ARG_SEGMENT_SIZE,
        )
        size = max(arg, SKMEM_SEG_SIZE)  # skmem_region.c: raised to skmem_seg_size
        size = round_up(size, SKMEM_MIN_SEG_SIZE)  # P2ROUNDUP(.., 16 KiB)
        if self.segment_size is not None and self.segment_size != size:
            raise BadArgument(
                f"segment size {self.segment_size} contradicts the boot-arg "
                f"skmem_drv_buf_seg_size {arg} (which gives {size}); allowed: pass one of them"
            )
        object.__setattr__(self, "segment_size", size)

    @property
    def page_size(self) -> int:
        return self.profile.page_size

    @property
    def ncpu(self) -> int:
        return self.profile.ncpu

    @property
    def cache_line(self) -> int:
        return self.profile.cache_line
