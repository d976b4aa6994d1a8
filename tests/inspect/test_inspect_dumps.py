"""Getting a dump: the app maps the pool through its user client and copies it; hidden pools;
dumps of the real kernel's frames."""

from pathlib import Path

import pytest

import vethlab
from vethlab.handoff.app import QuestionApp
from vethlab.inspection.dumps import (
    HIDDEN_CHOICES,
    dump_of,
    dump_of_frames,
    hidden_pool,
    kernel_frames,
)
from vethlab.ioreturn import IOReturnError
from vethlab.model.memory import Mac
from vethlab.question.dext import PacketDext
from vethlab.wire.frames import mixed_frames


def _running(packets=8):
    dext = PacketDext(Mac("apple-silicon", 65536, 0), buffer_size=1600, packets=packets)
    dext.Start()
    app = QuestionApp(dext, "per_packet")
    assert app.open() == 0
    return dext, app


def test_dump_of_is_the_pool_byte_for_byte(tmp_path):
    """The app's copy of its read-only mapping is the pool descriptor's bytes, and the file too."""
    dext, app = _running()
    dext.transmit(mixed_frames(8), headroom=8)
    md = dext.pool_md
    path = tmp_path / "pool.bin"
    data = dump_of(app.app, app.connect, path)
    assert data == md.bytes_at(0, md.GetLength()).tobytes()
    assert path.read_bytes() == data
    assert app.connect.mappings == {}  # unmapped again


def test_dump_of_a_closed_connection_raises_its_code():
    """After IOServiceClose the map fails; the error carries the app's return code."""
    _, app = _running()
    app.close()
    with pytest.raises(IOReturnError) as err:
        dump_of(app.app, app.connect)
    assert err.value.code != 0


def test_the_question_pool_dumped_by_its_app_gives_2048_and_8():
    """bufferSize 1600 dumped by the app: inspect finds the 2048-byte stride and headroom 8."""
    dext, app = _running(32)
    dext.transmit(mixed_frames(32), headroom=8)
    result = vethlab.inspect(dump_of(app.app, app.connect))
    assert (result.buffer_size, result.headroom) == (2048, 8)


@pytest.mark.parametrize("seed", range(12))
def test_hidden_pools_are_recovered(seed):
    """The hidden numbers that a dump shows come back from it; the seed fixes them all."""
    pool = hidden_pool(seed)
    hidden = pool.hidden
    assert {k: hidden[k] for k in HIDDEN_CHOICES} == {
        k: hidden_pool(seed).hidden[k] for k in HIDDEN_CHOICES
    }
    result = vethlab.inspect(pool.dump, page_size=hidden["page_size"])
    assert result.buffer_size == hidden["buffer_size"]
    assert result.headroom == hidden["headroom"]
    assert result.buffer0_offset == 0
    assert sum(result.data_offsets.values()) == hidden["packets"]
    assert result.data_offsets.get(hidden["headroom"] + 2, 0) == hidden["native_frames"]
    assert len(pool.dump) == hidden["dump_size"]


def test_kernel_frames_reads_the_shipped_capture():
    """kernel_frames() gives the 19 frames of the capture shipped in the package, by default."""
    shipped = Path(vethlab.inspection.__file__).with_name("tap_frames.pcap")
    assert kernel_frames() == kernel_frames(shipped)
    assert len(kernel_frames()) == 19


def test_dump_of_frames_lays_them_out():
    """Frame i at i × size + data offset, inside segments whose unused tails stay zero."""
    frames = kernel_frames()
    dump = dump_of_frames(frames, 1536, segment_size=16384, data_offset=10)
    per = 16384 // 1536  # 10 buffers, then 1024 unused bytes
    assert len(dump) == 2 * 16384
    for i, f in enumerate(frames):
        start = (i // per) * 16384 + (i % per) * 1536 + 10
        assert dump[start : start + len(f)] == f
    result = vethlab.inspect(dump)
    assert result.buffer_size == 1536 and result.headroom == 10
    with pytest.raises(ValueError):
        dump_of_frames(frames, 1024)  # the 1514-byte frame does not fit
