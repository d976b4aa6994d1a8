"""The C structures that cross the user-client boundary, each declared once, as numpy dtypes.

A dext and its app agree on bytes, not on Python objects. Each structure is written here once,
as a numpy structured dtype with C's layout (``align=True`` pads fields the way clang does on
arm64 and x86_64, both little-endian), and everything else (the dext, the app, the pictures,
the tests) reads field offsets and sizes from the dtype instead of restating them.

The question's output structure (reported: its shape is in the question)::

    struct GetPacket_Output {              offset  size
        uint8_t  packet_data[1600];             0  1600
        uint32_t packet_size;                1600     4
    };                                     sizeof  1604 (alignment 4, no padding)

The batch selector's records (modelled: vethlab's own design for "many packets per call")::

    struct BatchRecord {                   offset  size
        uint32_t packet_size;                   0     4   bytes of frame that follow
        uint32_t reserved;                      4     4   0
        uint8_t  packet_data[];                 8     packet_size, then zeros up to 8-byte alignment
    };

Records follow each other in the output buffer; the call's scalar outputs say how many there are
and how many bytes they use. The shared-mapping design sends no structure at all: each
notification carries up to eight ``(offset, length)`` pairs in its 16 ``uint64_t`` values.
"""

from __future__ import annotations

import struct

import numpy as np

from vethlab.model.layout import round_up

__all__ = [
    "GetPacket_Output",
    "GET_PACKET_DATA_SIZE",
    "GET_PACKET_OUTPUT_SIZE",
    "BatchRecord",
    "BATCH_ALIGNMENT",
    "FRAMES_PER_NOTIFICATION",
    "field_range",
    "c_declaration",
    "pack_get_packet_output",
    "unpack_get_packet_output",
    "frame_of_output",
    "batch_record_size",
    "pack_batch_record",
    "parse_batch",
]

#: ``uint8_t packet_data[1600]`` of the question's struct.
GET_PACKET_DATA_SIZE = 1600

GetPacket_Output = np.dtype(
    [("packet_data", np.uint8, (GET_PACKET_DATA_SIZE,)), ("packet_size", "<u4")], align=True
)
#: ``sizeof(GetPacket_Output)``: 1604.
GET_PACKET_OUTPUT_SIZE = GetPacket_Output.itemsize

BatchRecord = np.dtype([("packet_size", "<u4"), ("reserved", "<u4")], align=True)
#: Every batch record starts at a multiple of this many bytes.
BATCH_ALIGNMENT = 8

#: ``kIOUserClientAsyncArgumentsCountMax`` (16) values hold this many (offset, length) pairs.
FRAMES_PER_NOTIFICATION = 8

_C_TYPES = {
    "u1": "uint8_t",
    "u2": "uint16_t",
    "u4": "uint32_t",
    "u8": "uint64_t",
    "i1": "int8_t",
    "i2": "int16_t",
    "i4": "int32_t",
    "i8": "int64_t",
}


def field_range(dtype: np.dtype, name: str) -> tuple[int, int]:
    """``(start, end)`` byte offsets of field ``name`` in a struct of ``dtype``."""
    if name not in dtype.fields:
        raise KeyError(f"{dtype} has no field {name!r}; fields: {', '.join(dtype.names)}")
    sub, offset = dtype.fields[name][:2]
    return offset, offset + sub.itemsize


def c_declaration(dtype: np.dtype, name: str) -> str:
    """The C declaration of ``dtype``, with each field's offset and size as a comment."""
    lines = [f"struct {name} {{"]
    for field in dtype.names:
        sub, offset = dtype.fields[field][:2]
        base = sub.base if sub.shape else sub
        ctype = _C_TYPES[base.str[1:]]
        dims = "".join(f"[{n}]" for n in sub.shape)
        decl = f"    {ctype} {field}{dims};"
        lines.append(f"{decl:<32}// offset {offset:>4}, {sub.itemsize:>4} bytes")
    lines.append(f"}};{'':<30}// sizeof {dtype.itemsize}")
    return "\n".join(lines)


_DATA_START, _DATA_END = field_range(GetPacket_Output, "packet_data")
_SIZE_START, _SIZE_END = field_range(GetPacket_Output, "packet_size")


def pack_get_packet_output(data: bytes, packet_size: int | None = None) -> bytes:
    """The 1604 bytes of a ``GetPacket_Output`` holding ``data`` (at most 1600 bytes), zeros
    after it, and ``packet_size`` (default: ``len(data)``)."""
    data = bytes(data)
    if len(data) > GET_PACKET_DATA_SIZE:
        raise ValueError(f"{len(data)} bytes do not fit packet_data[{GET_PACKET_DATA_SIZE}]")
    out = np.zeros((), GetPacket_Output)
    out["packet_data"][: len(data)] = np.frombuffer(data, np.uint8)
    out["packet_size"] = len(data) if packet_size is None else packet_size
    return out.tobytes()


def unpack_get_packet_output(raw: bytes) -> tuple[bytes, int]:
    """``(packet_data, packet_size)`` of the 1604 bytes ``raw``: all 1600 data bytes, as sent."""
    if len(raw) != GET_PACKET_OUTPUT_SIZE:
        raise ValueError(f"a GetPacket_Output is {GET_PACKET_OUTPUT_SIZE} bytes, got {len(raw)}")
    raw = bytes(raw)
    return raw[_DATA_START:_DATA_END], int.from_bytes(raw[_SIZE_START:_SIZE_END], "little")


_PACKET_SIZE = struct.Struct("<I")  # uint32_t packet_size, little-endian as on both Macs


def frame_of_output(raw: bytes) -> bytes:
    """The frame a ``GetPacket_Output`` carries, as an app that trusts ``packet_size`` takes it:
    the first ``packet_size`` bytes of ``packet_data`` (never more than its 1600)."""
    (size,) = _PACKET_SIZE.unpack_from(raw, _SIZE_START)
    data = raw[_DATA_START : _DATA_START + min(size, GET_PACKET_DATA_SIZE)]
    return data if type(data) is bytes else bytes(data)


def batch_record_size(length: int) -> int:
    """Bytes a batch record of a ``length``-byte frame takes, padding included."""
    return BatchRecord.itemsize + round_up(length, BATCH_ALIGNMENT)


def pack_batch_record(out: np.ndarray, position: int, frame) -> int:
    """Write one record for ``frame`` (bytes or a uint8 array) into the uint8 array ``out`` at
    ``position``; return the position of the next record. The caller checks that it fits."""
    n = len(frame)
    end = position + batch_record_size(n)
    out[position:end] = 0
    out[position : position + 4].view("<u4")[0] = n
    data = position + BatchRecord.itemsize
    out[data : data + n] = np.frombuffer(frame, np.uint8) if isinstance(frame, bytes) else frame
    return end


def parse_batch(buffer, count: int, used: int | None = None) -> list[bytes]:
    """The ``count`` frames of a batch buffer (bytes or uint8 array); ``used``, if given, must
    be where the records end. Raises ValueError on a record that runs past the buffer."""
    data = bytes(buffer) if not isinstance(buffer, bytes) else buffer
    frames, position, total = [], 0, len(data)
    header, align = BatchRecord.itemsize, BATCH_ALIGNMENT
    for i in range(count):
        header_end = position + header
        if header_end > total:
            raise ValueError(f"record {i} at byte {position} runs past the {total}-byte buffer")
        n = int.from_bytes(data[position : position + 4], "little")
        end = header_end + round_up(n, align)
        if end > total:
            raise ValueError(f"record {i} of {n} bytes at byte {position} runs past the buffer")
        frames.append(data[header_end : header_end + n])
        position = end
    if used is not None and used != position:
        raise ValueError(f"the records end at byte {position}, but {used} bytes were reported")
    return frames
