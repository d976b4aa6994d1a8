"""The question's pool, dumped from vethlab's simulation, inspected; the question's reads named."""

import pytest

import vethlab
from vethlab.question.scenario import run_method


def _dump(method):
    md = method.dext.pool_md
    return md.bytes_at(0, md.GetLength()).tobytes()


def _reads(method):
    return [(r.index, r.read_offset) for r in method.readings if r.read_offset is not None]


@pytest.mark.parametrize("profile", ["apple-silicon", "intel"])
def test_question_parameters_give_2048_and_headroom_8(profile):
    """32 packets of bufferSize 1600 (really 2048), headroom 8, stale frames underneath."""
    method = run_method("current_api", profile=profile, packets=32, buffer_size=1600, headroom=8)
    result = vethlab.inspect(_dump(method))
    assert result.buffer_size == 2048 and result.headroom == 8
    assert result.buffer0_offset == 0
    assert result.data_offsets == {8: 32}
    assert len(result.current) == 32
    assert result.confidence >= 0.9
    assert "32 of 32 frames agree on a 2048-byte stride" in " ".join(result.reasons)
    assert any("cannot be told apart" in r for r in result.reasons)
    assert not any("1600" in r for r in result.reasons)  # a dump does not show what was asked
    frames = {f["buffer"]: f for f in result.frames}
    for packet in method.pool.packets:
        f = frames[packet.index]
        assert f["offset"] == packet.frame_offset() and f["length"] <= packet.getDataLength()


def test_native_flow_offsets_counted():
    method = run_method("current_api", packets=32, headroom=8, data_offset=10)
    result = vethlab.inspect(_dump(method))
    assert result.data_offsets == {10: 32}
    assert result.headroom == 10  # every frame at one offset: 10, or 8 with native flows
    assert any(
        "headroom 10 if these frames came from BSD sockets, 8 if from native flows" in r
        for r in result.reasons
    )


def test_reads_of_the_current_api_are_right():
    method = run_method("current_api", packets=32, headroom=8)
    result = vethlab.inspect(_dump(method), reads=_reads(method))
    assert [r["verdict"] for r in result.reads] == ["right"] * 32


def test_reads_of_the_first_attempt_are_named():
    """The first attempt reads packet i at i × 1600 (the requested stride, no headroom):
    packet 0 the headroom early, every other packet between frames, i × 448 + 8 bytes early."""
    method = run_method("first_attempt", packets=32, headroom=8)
    result = vethlab.inspect(_dump(method), reads=_reads(method))
    reads = result.reads
    assert reads[0]["verdict"] == "headroom early" and reads[0]["error"] == -8
    for i, r in enumerate(reads[1:], 1):
        assert r["verdict"] == "between frames"
        assert r["error"] == -(i * 448 + 8)
        assert r["buffer"] == (i * 1600) // 2048
        assert "bytes early" in r["detail"]


def test_reads_of_the_fix_with_native_flows_are_two_bytes_early():
    method = run_method("question_fix", packets=32, headroom=8, data_offset=10)
    result = vethlab.inspect(_dump(method), reads=_reads(method))
    assert {r["verdict"] for r in result.reads} == {"headroom early"}
    assert {r["error"] for r in result.reads} == {-2}


def test_read_a_buffer_early_and_outside():
    method = run_method("current_api", packets=32, headroom=8)
    dump = _dump(method)
    result = vethlab.inspect(
        dump, reads=[(5, 4 * 2048 + 8), (5, 2 * 2048 + 8), (3, len(dump) + 5), (40, 8)]
    )
    a, b, c, d = result.reads
    assert a["verdict"] == "buffer early" and a["buffers"] == 1
    assert b["verdict"] == "buffer early" and b["buffers"] == 3
    assert c["verdict"] == "outside"
    assert d["error"] is None and "no frame for packet 40" in d["detail"]


def test_reads_from_text():
    method = run_method("current_api", packets=32, headroom=8)
    text = "# packet offset\n0 8\n1 0x808\n\n2 0x1000  # the buffer's start\n"
    result = vethlab.inspect(_dump(method), reads=text)
    assert [r["verdict"] for r in result.reads] == ["right", "right", "headroom early"]
    assert result.to_json()["reads"][2]["error"] == -8


@pytest.mark.parametrize("bad", ["1", "a b", "1 2 3", "-1 4"])
def test_reads_text_errors_name_the_line(bad):
    with pytest.raises(ValueError, match="line 2"):
        vethlab.inspection.parse_reads("0 8\n" + bad)


def test_a_whole_stride_early_in_an_empty_buffer():
    """At the packet's data offset, one buffer before, where no frame sits: a buffer early."""
    method = run_method("current_api", packets=32, headroom=8)
    dump = _dump(method)
    # Packets 0 and 1 freed and zeroed: buffer 0 holds nothing.
    blank = bytearray(dump)
    blank[0:2048] = bytes(2048)
    result = vethlab.inspect(bytes(blank), reads=[(1, 8)])
    (r,) = result.reads
    assert r["verdict"] == "buffer early" and r["buffers"] == 1 and r["error"] == -2048


def test_inspect_is_exported():
    from vethlab import inspect

    assert inspect is vethlab.inspect and "inspect" in vethlab.__all__
    assert "Inspection" in vethlab.__all__
