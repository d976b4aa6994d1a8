"""The C structures that cross the user-client boundary: layouts and golden bytes."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from vethlab.handoff.structs import (
    BATCH_ALIGNMENT,
    GET_PACKET_DATA_SIZE,
    GET_PACKET_OUTPUT_SIZE,
    BatchRecord,
    GetPacket_Output,
    batch_record_size,
    c_declaration,
    field_range,
    frame_of_output,
    pack_batch_record,
    pack_get_packet_output,
    parse_batch,
    unpack_get_packet_output,
)


def test_get_packet_output_has_the_c_layout():
    """uint8_t packet_data[1600] at 0, uint32_t packet_size at 1600, sizeof 1604, aligned 4."""
    assert GET_PACKET_DATA_SIZE == 1600
    assert GET_PACKET_OUTPUT_SIZE == GetPacket_Output.itemsize == 1604
    assert field_range(GetPacket_Output, "packet_data") == (0, 1600)
    assert field_range(GetPacket_Output, "packet_size") == (1600, 1604)
    assert GetPacket_Output.alignment == 4
    assert GetPacket_Output.fields["packet_size"][0] == np.dtype("<u4")


def test_get_packet_output_golden_bytes():
    """Three data bytes, 1597 zeros, then packet_size 3 little-endian: exactly these bytes."""
    golden = b"\x01\x02\x03" + bytes(1597) + b"\x03\x00\x00\x00"
    assert pack_get_packet_output(b"\x01\x02\x03") == golden
    assert unpack_get_packet_output(golden) == (b"\x01\x02\x03" + bytes(1597), 3)


def test_packet_size_is_little_endian_at_offset_1600():
    """A packet_size of 0x01020304 is stored as 04 03 02 01 right after the 1600 data bytes."""
    raw = pack_get_packet_output(b"", packet_size=0x01020304)
    assert raw[1600:] == b"\x04\x03\x02\x01"
    assert raw[:1600] == bytes(1600)


def test_frame_of_output_trusts_packet_size_up_to_1600():
    """An app taking packet_size bytes gets the frame; a bogus size gives at most 1600 bytes."""
    frame = bytes(range(200))
    assert frame_of_output(pack_get_packet_output(frame)) == frame
    data = bytes([7]) * 1600
    assert frame_of_output(pack_get_packet_output(data, packet_size=0xFFFFFFFF)) == data


def test_wrong_sizes_are_refused():
    """1601 data bytes do not fit; an output that is not 1604 bytes is not a GetPacket_Output."""
    with pytest.raises(ValueError, match="1601 bytes do not fit"):
        pack_get_packet_output(bytes(1601))
    with pytest.raises(ValueError, match="1604 bytes, got 1603"):
        unpack_get_packet_output(bytes(1603))
    with pytest.raises(KeyError, match="no field 'length'"):
        field_range(GetPacket_Output, "length")


def test_c_declaration_is_printed_from_the_dtype():
    """The C text shows each field with its offset and size, and sizeof."""
    assert c_declaration(GetPacket_Output, "GetPacket_Output").splitlines() == [
        "struct GetPacket_Output {",
        "    uint8_t packet_data[1600];  // offset    0, 1600 bytes",
        "    uint32_t packet_size;       // offset 1600,    4 bytes",
        "};                              // sizeof 1604",
    ]


def test_batch_record_golden_bytes():
    """Two records: length, reserved 0, the bytes, zero padding to 8; the second follows."""
    out = np.full(40, 0xEE, np.uint8)
    end = pack_batch_record(out, 0, b"abc")
    assert end == 16
    end = pack_batch_record(out, end, np.arange(9, dtype=np.uint8))
    assert end == 16 + 8 + 16
    assert out[:end].tobytes() == (
        b"\x03\x00\x00\x00"
        + b"\x00\x00\x00\x00"
        + b"abc"
        + bytes(5)
        + b"\x09\x00\x00\x00"
        + b"\x00\x00\x00\x00"
        + bytes(range(9))
        + bytes(7)
    )
    assert parse_batch(out, 2, end) == [b"abc", bytes(range(9))]
    assert BatchRecord.itemsize == 8 and BATCH_ALIGNMENT == 8


def test_batch_record_sizes():
    """A record is 8 header bytes plus the frame rounded up to 8."""
    assert [batch_record_size(n) for n in (0, 1, 8, 9, 1514)] == [8, 16, 16, 24, 1528]


def test_parse_batch_refuses_records_past_the_buffer_and_a_wrong_used_count():
    """A header or a frame running past the buffer, or a used count that disagrees, is an error."""
    out = np.zeros(20, np.uint8)
    pack_batch_record(out, 0, b"12345678")
    with pytest.raises(ValueError, match="record 1 at byte 16 runs past"):
        parse_batch(out, 2)
    with pytest.raises(ValueError, match="but 20 bytes were reported"):
        parse_batch(out, 1, 20)
    assert parse_batch(out, 1, 16) == [b"12345678"]
    out[0:4] = np.frombuffer((100).to_bytes(4, "little"), np.uint8)
    with pytest.raises(ValueError, match="record 0 of 100 bytes"):
        parse_batch(out, 1)


@given(st.lists(st.binary(max_size=300), max_size=12))
def test_batch_records_round_trip(frames):
    """Whatever frames are packed, parse_batch gives them back, and used is where they end."""
    out = np.zeros(sum(batch_record_size(len(f)) for f in frames), np.uint8)
    position = 0
    for frame in frames:
        position = pack_batch_record(out, position, frame)
    assert position == len(out)
    assert parse_batch(out.tobytes(), len(frames), position) == frames
