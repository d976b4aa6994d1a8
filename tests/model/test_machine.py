"""Machine profiles and boots."""

import pytest

from vethlab.ioreturn import IOReturnError, kIOReturnBadArgument
from vethlab.model.machine import APPLE_SILICON, INTEL, SEGMENT_SIZES, Boot, profile_named


def test_profiles():
    """Page size, cache line and (modelled) CPU count of both profiles."""
    silicon = APPLE_SILICON
    assert (silicon.page_size, silicon.cache_line, silicon.ncpu) == (16384, 128, 8)
    assert (INTEL.page_size, INTEL.cache_line, INTEL.ncpu) == (4096, 64, 4)
    assert Boot(INTEL, 65536).ncpu == 4


def test_segment_drawn_from_seed_is_deterministic_and_both_occur():
    """A boot's segment size depends only on its seed, and both 64 and 80 KiB occur."""
    sizes = {Boot(seed=s).segment_size for s in range(40)}
    assert sizes == set(SEGMENT_SIZES)
    assert all(Boot(seed=s).segment_size == Boot(seed=s).segment_size for s in range(10))


def test_explicit_segment_and_bad_segment():
    """A segment size can be chosen; a size XNU never draws is refused, naming it."""
    assert Boot(INTEL, 65536).segment_size == 65536
    with pytest.raises(IOReturnError) as info:
        Boot(INTEL, 12345)
    assert info.value.code == kIOReturnBadArgument and "12345" in str(info.value)


def test_profile_named():
    """Profiles are looked up by name; an unknown name lists the allowed ones."""
    assert profile_named("intel") is INTEL
    with pytest.raises(IOReturnError, match="apple-silicon, intel"):
        profile_named("powerpc")


def test_boot_arg_segment_size():
    """The skmem_drv_buf_seg_size boot-arg replaces the draw: raised to 16 KiB, rounded up to
    16 KiB; a contradicting segment size or a value past the model's limit is refused."""
    assert Boot(INTEL, boot_arg_segment_size=0).segment_size == 16384
    assert Boot(INTEL, boot_arg_segment_size=40000).segment_size == 49152
    assert Boot(INTEL, 81920, boot_arg_segment_size=81920).segment_size == 81920
    with pytest.raises(IOReturnError, match="contradicts the boot-arg"):
        Boot(INTEL, 65536, boot_arg_segment_size=81920)
    with pytest.raises(IOReturnError, match="skmem_drv_buf_seg_size -1"):
        Boot(INTEL, boot_arg_segment_size=-1)
