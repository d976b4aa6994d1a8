"""The vethlab command: layout and question, text and JSON."""

import json
import subprocess
import sys

import pytest

from vethlab.cli import main


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("profile", ["apple-silicon", "intel"])
@pytest.mark.parametrize("segment", [65536, 81920])
def test_layout_1600_says_2048(capsys, profile, segment):
    """`vethlab layout --buffer-size 1600` says 2048 on both profiles and segment sizes."""
    data = run_json(
        capsys,
        "layout",
        "--buffer-size",
        "1600",
        "--profile",
        profile,
        "--segment-size",
        str(segment),
    )
    assert data["requested_buffer_size"] == 1600 and data["buffer_size"] == 2048
    # 32 buffers of 2048 need 64 KiB: an 80 KiB boot segment shrinks to it.
    assert data["segment_size"] == 65536 and data["boot_segment_size"] == segment
    assert data["page_size"] == (16384 if profile == "apple-silicon" else 4096)
    assert data["buffers_per_segment"] == 32 and data["segment_unused_bytes"] == 0


def test_layout_1200(capsys):
    """1200 gives 2048 on a 64 KiB segment and 1280 on an 80 KiB one."""
    assert (
        run_json(capsys, "layout", "--buffer-size", "1200", "--segment-size", "65536")[
            "buffer_size"
        ]
        == 2048
    )
    assert (
        run_json(capsys, "layout", "--buffer-size", "1200", "--segment-size", "81920")[
            "buffer_size"
        ]
        == 1280
    )


def test_layout_counts_and_offsets(capsys):
    """--packets and --buffers set the counts; the JSON lists every buffer offset."""
    data = run_json(
        capsys,
        "layout",
        "--packets",
        "40",
        "--buffers",
        "50",
        "--segment-size",
        "65536",
        "--buffer-size",
        "2048",
    )
    assert (data["packet_count"], data["buffer_count"], data["segment_count"]) == (40, 50, 2)
    # 50 × 2048 need 112 KiB: the 64 KiB segment grows to 96 KiB (48 buffers), in two.
    assert (data["segment_size"], data["buffers_per_segment"]) == (98304, 48)
    assert data["region_buffer_count"] == 96 and len(data["buffer_offsets"]) == 50
    assert data["buffer_offsets"][48] == 98304


def test_layout_new_keys(capsys):
    """boot_segment_size, segment_unused_bytes and region_buffer_count: 100 × 2048 on an 80 KiB
    Intel boot is two 128 KiB segments of 64; 1200 on an 80 KiB boot leaves 512 bytes."""
    data = run_json(
        capsys,
        "layout",
        "--profile",
        "intel",
        "--segment-size",
        "81920",
        "--buffer-size",
        "2048",
        "--packets",
        "100",
    )
    assert (data["segment_size"], data["boot_segment_size"], data["segment_count"]) == (
        131072,
        81920,
        2,
    )
    assert (data["region_buffer_count"], data["buffer_count"]) == (128, 100)
    assert len(data["buffer_offsets"]) == 100 and data["buffer_offsets"][64] == 131072
    data = run_json(capsys, "layout", "--segment-size", "81920", "--buffer-size", "1200")
    assert (data["buffer_size"], data["segment_size"], data["segment_unused_bytes"]) == (
        1280,
        49152,
        512,
    )


def test_layout_memory_segment_size(capsys):
    """--memory-segment-size is rounded up to 16 KiB and replaces the boot's segment; 0 keeps
    the boot's."""
    data = run_json(
        capsys,
        "layout",
        "--segment-size",
        "81920",
        "--buffer-size",
        "1200",
        "--memory-segment-size",
        "10000",
    )
    assert (data["buffer_size"], data["segment_size"], data["segment_count"]) == (2048, 16384, 4)
    assert data["boot_segment_size"] == 81920
    data = run_json(
        capsys,
        "layout",
        "--segment-size",
        "81920",
        "--buffer-size",
        "1200",
        "--memory-segment-size",
        "0",
    )
    assert data["buffer_size"] == 1280


def test_layout_text(capsys):
    """The text report names the requested and real sizes."""
    assert main(["layout", "--segment-size", "65536"]) == 0
    out = capsys.readouterr().out
    assert "1600 requested -> 2048 real (+448 bytes per slot)" in out
    assert "segment size     65536 (resized by XNU from the boot's 65536)" in out


def test_bad_input_is_an_error_not_a_traceback(capsys):
    """A count out of range is refused by the parser: exit status 2, one line naming it."""
    assert main(["layout", "--packets", "0"]) == 2
    err = capsys.readouterr().err
    assert (
        err == "vethlab layout: error: argument --packets: 0 is out of range; allowed: 1..131072\n"
    )


def test_a_pool_the_mac_refuses_exits_1(capsys):
    """Options that each parse but together ask for a pool the simulated Mac refuses: exit
    status 1 and the IOReturn message, on one line."""
    assert main(["layout", "--packets", "10", "--buffers", "5"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("vethlab layout: kIOReturnBadArgument") and err.count("\n") == 1


def test_question_json_pattern(capsys):
    """`vethlab question --json` shows the first attempt's growing error and the others' zero."""
    data = run_json(capsys, "question", "--segment-size", "65536")
    first = data["methods"]["first_attempt"]
    assert [p["offset_error"] for p in first] == [-(i * 448 + 8) for i in range(32)]
    for key in ("question_fix", "current_api"):
        assert all(p["bytes_match"] and p["offset_error"] == 0 for p in data["methods"][key])


def test_question_parameters_give_the_boots_segment(capsys):
    """`vethlab question` reports the segment size the boot drew (its parameter), not the one
    XNU resized the pool's segment to (32 × 1600 on an 80 KiB boot uses 64 KiB)."""
    data = run_json(capsys, "question", "--segment-size", "81920")
    assert data["parameters"]["segment_size"] == 81920
    assert data["layouts"]["first_attempt"]["segment_size"] == 65536


def test_question_data_offset(capsys):
    """--data-offset 2 breaks the fix, not today's API."""
    data = run_json(capsys, "question", "--data-offset", "2", "--headroom", "8")
    assert not any(p["bytes_match"] for p in data["methods"]["question_fix"])
    assert all(p["bytes_match"] for p in data["methods"]["current_api"])


def test_python_dash_m():
    """`python -m vethlab` runs the same command."""
    out = subprocess.run(
        [sys.executable, "-m", "vethlab", "layout", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)["buffer_size"] == 2048


def test_closed_pipe_is_not_a_traceback():
    """`vethlab … --json | head -1` ends quietly: no BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "vethlab", "question", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait()
    assert "Traceback" not in err and proc.returncode == 0
