"""``vethlab inspect``: text, JSON, the PNG, reads, and the exit status."""

import json

import pytest
from dumps import build

import vethlab
from vethlab.cli import build_parser, main
from vethlab.inspection import JSON_KEYS, NoAnswer
from vethlab.question.scenario import run_method


@pytest.fixture
def question_dump(tmp_path):
    method = run_method("first_attempt", packets=32, headroom=8)
    md = method.dext.pool_md
    path = tmp_path / "pool.bin"
    path.write_bytes(md.bytes_at(0, md.GetLength()).tobytes())
    reads = tmp_path / "reads.txt"
    reads.write_text("".join(f"{r.index} {r.read_offset:#x}\n" for r in method.readings))
    return path, reads


def test_text_report(question_dump, capsys):
    path, _ = question_dump
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "buffer size      2048" in out and "headroom         8" in out
    assert "32 of 32 frames agree on a 2048-byte stride" in out


def test_json_with_reads_and_png(question_dump, tmp_path, capsys):
    path, reads = question_dump
    png = tmp_path / "map.png"
    assert (
        main(
            [
                "inspect",
                str(path),
                "--reads",
                str(reads),
                "--png",
                str(png),
                "--json",
                "--page-size",
                "16384",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert list(out) == [*JSON_KEYS, "reads"]
    assert out["buffer_size"] == 2048 and out["headroom"] == 8
    assert out["data_offsets"] == {"8": 32}
    assert out["reads"][0]["verdict"] == "headroom early"
    assert {r["verdict"] for r in out["reads"][1:]} == {"between frames"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_answer_is_an_ioreturn_error(tmp_path, capsys):
    path = tmp_path / "zeros.bin"
    path.write_bytes(bytes(1 << 16))
    args = build_parser().parse_args(["inspect", str(path)])
    with pytest.raises(NoAnswer) as caught:
        args.func(args)
    assert caught.value.code == vethlab.kIOReturnNotFound
    assert isinstance(caught.value.result, vethlab.Inspection)
    # main turns an IOReturnError into a non-zero status (1 once vethlab.cli maps it so).
    assert main(["inspect", str(path)]) != 0
    err = capsys.readouterr().err
    assert "kIOReturnNotFound" in err and "no Ethernet frame" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["inspect", "/nonexistent/pool.bin"],
        ["inspect", "POOL", "--page-size", "3000"],
        ["inspect", "POOL", "--reads", "/nonexistent/reads.txt"],
        ["inspect", "POOL", "--reads", "BADREADS"],
    ],
)
def test_unusable_input_exits_2(argv, tmp_path, capsys):
    dump, _ = build(2048, 65536, 8)
    pool = tmp_path / "pool.bin"
    pool.write_bytes(dump.tobytes())
    bad = tmp_path / "reads.txt"
    bad.write_text("0 8\nzero eight\n")
    bad_reads = "BADREADS" in argv
    argv = [str(pool) if a == "POOL" else str(bad) if a == "BADREADS" else a for a in argv]
    try:  # argparse exits 2 (or main returns its status, where main catches SystemExit)
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert "error:" in err
    if bad_reads:
        assert "line 2" in err


def test_bench_inspect_prints_both_figures(capsys):
    assert main(["bench", "inspect", "--inspect-mib", "1", "--repeat", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["inspect_mb_per_s"] > 0 and out["numpy_pass_mb_per_s"] > 0
    assert out["buffer_size"] == 2048 and out["headroom"] == 8
    assert out["frames"] == 512
