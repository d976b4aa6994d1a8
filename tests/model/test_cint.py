"""The one C-integer check: Python and numpy integers in, bools, floats and the rest out."""

import numpy as np
import pytest

from vethlab.ioreturn import BadArgument, kIOReturnBadArgument
from vethlab.model.cint import (
    UINT8_MAX,
    UINT16_MAX,
    UINT32_MAX,
    UINT64_MAX,
    c_int,
    uint8,
    uint16,
    uint32,
    uint64,
)

CHECKS = [(uint8, UINT8_MAX, "uint8_t"), (uint16, UINT16_MAX, "uint16_t"),
          (uint32, UINT32_MAX, "uint32_t"), (uint64, UINT64_MAX, "uint64_t")]


def refused(call, *args, **kwargs) -> str:
    """The message of the BadArgument ``call`` raises (asserting its code)."""
    with pytest.raises(BadArgument) as info:
        call(*args, **kwargs)
    assert info.value.code == kIOReturnBadArgument
    return str(info.value)


@pytest.mark.parametrize("check, top, ctype", CHECKS)
def test_every_bound_of_every_type(check, top, ctype):
    """0 and the type's maximum pass; -1 and maximum + 1 are refused, naming the range."""
    assert check("x", 0) == 0 and check("x", top) == top
    for bad in (-1, top + 1):
        message = refused(check, "x", bad)
        assert f"x {bad} is out of range" in message and ctype in message


def test_the_message_names_argument_value_and_range():
    """The refusal reads: argument, value, allowed range, C type."""
    assert refused(uint8, "headroom", 300).endswith(
        "headroom 300 is out of range; allowed: 0..255 (uint8_t)")
    assert "allowed: 0..0xffffffff (uint32_t)" in refused(uint32, "queueId", -1)
    assert "allowed: 0..0xffffffffffffffff (uint64_t)" in refused(uint64, "v", 1 << 64)
    assert "allowed: 1..131072" in refused(c_int, "packetCount", 0, 1, 1 << 17)
    assert "(" not in refused(c_int, "n", 5, 0, 4).split("allowed:")[1]


def test_a_narrower_range_is_checked_at_both_ends():
    """low..high inside the type: low and high pass, low - 1 and high + 1 do not."""
    assert c_int("mtu", 68, 68, 9000) == 68 and c_int("mtu", 9000, 68, 9000) == 9000
    assert "mtu 67 is out of range; allowed: 68..9000" in refused(c_int, "mtu", 67, 68, 9000)
    assert "mtu 9001 is out of range" in refused(c_int, "mtu", 9001, 68, 9000)


@pytest.mark.parametrize("value", [
    np.uint8(0), np.uint8(255), np.int8(-128), np.int64(2**63 - 1), np.int64(-(2**63)),
    np.uint64(UINT64_MAX), np.uint16(2048), np.int32(7),
])
def test_numpy_integers_come_back_as_python_ints(value):
    """A numpy integer in range is accepted and returned as a plain int of equal value."""
    got = c_int("v", value, -(2**63), UINT64_MAX)
    assert type(got) is int and got == int(value)


def test_numpy_integers_at_the_limits_of_each_type():
    """np.uint8(255), np.uint64(2**64 - 1) pass their type; one past any limit is refused."""
    assert uint8("v", np.uint8(255)) == 255
    assert uint64("v", np.uint64(UINT64_MAX)) == UINT64_MAX
    assert uint32("v", np.int64(UINT32_MAX)) == UINT32_MAX
    assert "v 4294967296 is out of range" in refused(uint32, "v", np.int64(UINT32_MAX + 1))
    assert "v -1 is out of range" in refused(uint64, "v", np.int64(-1))
    assert "v 256 is out of range" in refused(uint8, "v", np.uint16(256))


def test_arithmetic_after_the_check_cannot_overflow():
    """The returned int grows past the numpy type's range instead of wrapping."""
    small = uint16("bufferSize", np.uint16(65535))
    assert small + 1 == 65536 and -(-small // 128) * 128 == 65536
    big = uint64("v", np.uint64(UINT64_MAX))
    assert big + 1 == 1 << 64


@pytest.mark.parametrize("value, shown", [
    (True, "True"), (False, "False"), (np.True_, "np.True_"),
    (1.5, "1.5"), (2.0, "2.0"), (np.float64(3.0), "np.float64(3.0)"),
    (None, "None"), ("8", "'8'"), (b"\x08", r"b'\x08'"), ([8], "[8]"), (8j, "8j"),
])
def test_anything_but_an_integer_is_refused(value, shown):
    """bool, float (even 2.0), None, str, bytes, lists, complex: refused, naming the value."""
    message = refused(uint8, "headroom", value)
    assert f"headroom {shown} is not an integer; allowed: 0..255 (uint8_t)" in message


def test_bools_are_refused_even_where_0_and_1_are_allowed():
    """True would be 1 in C; vethlab says it is not an integer."""
    assert c_int("flag", 1, 0, 1) == 1
    assert "not an integer" in refused(c_int, "flag", True, 0, 1)
