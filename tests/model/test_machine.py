"""Machine profiles and boots."""

import pytest

from vethlab.ioreturn import IOReturnError, kIOReturnBadArgument
from vethlab.model.machine import APPLE_SILICON, INTEL, SEGMENT_SIZES, Boot, profile_named


def test_profiles():
    """Page size and cache line of both profiles."""
    assert (APPLE_SILICON.page_size, APPLE_SILICON.cache_line) == (16384, 128)
    assert (INTEL.page_size, INTEL.cache_line) == (4096, 64)


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
