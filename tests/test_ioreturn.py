"""IOReturn codes and the error type."""

import pickle

import pytest

import vethlab
from vethlab import ioreturn
from vethlab.ioreturn import (
    BadArgument,
    IOReturnError,
    IOReturnName,
    check,
    err_get_code,
    err_get_sub,
    err_get_system,
)


def test_real_values():
    """The codes carry Apple's values, spot-checked against IOReturn.h."""
    assert ioreturn.kIOReturnSuccess == 0
    assert ioreturn.kIOReturnBadArgument == 0xE00002C2
    assert ioreturn.kIOReturnNotPermitted == 0xE00002E2
    assert ioreturn.kIOReturnNotOpen == 0xE00002CD
    assert ioreturn.kIOReturnOverrun == 0xE00002E8
    assert ioreturn.kIOReturnNotReady == 0xE00002D8
    assert ioreturn.kIOReturnInvalid == 0xE0000001
    assert ioreturn.kIOReturnNotFound == 0xE00002F0


def test_table_complete_and_unique():
    """Every code from 0x2bc to 0x2f0 is present except the two unused ones, each once."""
    codes = {v & 0x3FFF for k, v in ioreturn.IORETURN_CODES.items() if v not in (0, 0xE0000001)}
    assert codes == set(range(0x2BC, 0x2F1)) - {0x2CB, 0x2DC}
    assert len(set(ioreturn.IORETURN_CODES.values())) == len(ioreturn.IORETURN_CODES)


def test_top_level_names():
    """kIOReturn constants are importable from vethlab itself."""
    assert vethlab.kIOReturnBadArgument == 0xE00002C2
    assert "kIOReturnBadArgument" in vethlab.__all__


def test_macros():
    """err_get_system/sub/code split a code as the C macros do."""
    code = ioreturn.kIOReturnBadArgument
    assert err_get_system(code) == 0x38
    assert err_get_sub(code) == 0
    assert err_get_code(code) == 0x2C2


def test_error_carries_code_and_name():
    """IOReturnError compares by code and names the constant in its message."""
    err = IOReturnError(ioreturn.kIOReturnNoSpace, "queue full")
    assert err.code == ioreturn.kIOReturnNoSpace
    assert err.name == "kIOReturnNoSpace"
    assert str(err) == "kIOReturnNoSpace (0xe00002db): queue full"


def test_bad_argument_is_a_value_error():
    """BadArgument is both an IOReturnError and a ValueError."""
    err = BadArgument("x 3 is out of range")
    assert isinstance(err, ValueError) and err.code == ioreturn.kIOReturnBadArgument


def test_errors_pickle():
    """Errors survive pickling with their code (multiprocessing, notebooks)."""
    for err in (IOReturnError(ioreturn.kIOReturnBusy, "busy"), BadArgument("bad")):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and back.code == err.code and str(back) == str(err)


def test_unknown_code_name_is_hex():
    """A code outside the table is shown in hex."""
    assert IOReturnName(0x1234) == "0x00001234"


def test_check():
    """check() passes success and raises with the code otherwise."""
    check(0)
    with pytest.raises(IOReturnError) as info:
        check(ioreturn.kIOReturnTimeout, "wait")
    assert info.value.code == ioreturn.kIOReturnTimeout
