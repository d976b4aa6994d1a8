"""The memory map drawn from what inspect found."""

from pathlib import Path

import matplotlib.pyplot as plt
from dumps import build

import vethlab
from vethlab.question.scenario import run_method


def test_map_of_the_question_with_reads():
    """The question's pool, inspected from its dump: one row per buffer, every read marked."""
    method = run_method("first_attempt", packets=32, headroom=8)
    md = method.dext.pool_md
    reads = [(r.index, r.read_offset) for r in method.readings]
    result = vethlab.inspect(md.bytes_at(0, md.GetLength()).tobytes(), reads=reads)
    _fig, ax = plt.subplots(figsize=(10, 6))
    result.draw(ax)
    drawn = ax.vethlab
    buffers = method.pool.layout.length // 2048  # the dump is the whole pool
    assert drawn["rows"] == len(result.buffers) == buffers
    assert drawn["reads"] == 32
    assert drawn["error_rows"] == list(range(32))  # every packet read somewhere else
    assert drawn["stale_runs"] > 0  # the earlier round's frames left their tails
    assert f"found: {buffers} buffers of 2048 bytes, headroom 8" in ax.get_title(loc="left")


def test_segment_ends_and_row_limit():
    dump, _ = build(1280, 65536, 160, seed=9)
    result = vethlab.inspect(dump)
    _fig, ax = plt.subplots()
    result.draw(ax, max_rows=120, legend=False)
    assert ax.vethlab["rows"] == 120
    assert ax.vethlab["segment_lines"] == [51, 102]
    assert "(the first 120 drawn)" in ax.get_title(loc="left")


def test_no_answer_draws_the_reasons():
    _fig, ax = plt.subplots()
    vethlab.inspect(bytes(4096)).draw(ax)
    assert ax.vethlab["rows"] == 0
    assert any("no answer" in t.get_text() for t in ax.texts)


def test_save_png(tmp_path):
    from vethlab.inspection.draw import save_png

    dump, _ = build(2048, 65536, 8, seed=1)
    path = save_png(vethlab.inspect(dump), tmp_path / "map.png")
    assert Path(path).read_bytes()[:4] == b"\x89PNG"
