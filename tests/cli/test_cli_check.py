"""`vethlab check`: exit status 0/1/2, the JSON keys, and one clear line for a file that
cannot be used."""

import json
import subprocess
import sys

import pytest

from vethlab.cli import main
from vethlab.exercises import EXAMPLES
from vethlab.exercises.cpp import find_compiler


def needs_compiler():
    command, why = find_compiler()
    if command is None:
        pytest.skip(f"cannot check C++ answers: {why}")


@pytest.mark.parametrize(
    "name, status",
    [
        ("frame_address_answer.py", 0),
        ("frame_address_question_fix.py", 1),
        ("get_packet_question.py", 1),
    ],
)
def test_exit_status_and_json(capsys, name, status):
    """0 when every case is right, 1 when some is wrong; the JSON has the documented keys."""
    assert main(["check", str(EXAMPLES / name), "--json"]) == status
    data = json.loads(capsys.readouterr().out)
    assert {"exercise", "cases", "passed", "failed", "by_trap", "first_failure"} <= set(data)
    assert data["exercise"] == name.split("_")[0] + "_" + name.split("_")[1]
    assert (data["failed"] == 0) == (status == 0)


def test_cpp_text_report(capsys):
    """The text report of a C++ answer: the score, the traps, the first wrong cases."""
    needs_compiler()
    assert main(["check", str(EXAMPLES / "frame_address_question_fix.cpp")]) == 1
    out = capsys.readouterr().out
    assert out.startswith("frame_address (C++): 80 of 576 cases right, 496 wrong")
    assert "trap 3 (headroom used as the data offset)" in out
    assert "wrong: " in out


def test_exercise_option_picks_the_function(capsys):
    """--exercise names the function when the file defines both."""
    path = str(EXAMPLES / "get_packet_answer.py")
    assert main(["check", path, "--exercise", "frame_address", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cases"] == 576


def test_file_that_does_not_load_is_status_2(tmp_path, capsys):
    """A file that does not parse: exit 2 and one line naming the file and line."""
    path = tmp_path / "answer.py"
    path.write_text("def frame_address(packet, pool)\n", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vethlab check: error: ") and "answer.py:1" in err
    assert "Traceback" not in err


def test_cpp_that_does_not_compile_is_status_2_with_the_compilers_message(tmp_path):
    """C++ that does not compile: exit 2, the error line, then the compiler's messages; no
    traceback (run as a real process)."""
    needs_compiler()
    path = tmp_path / "answer.cpp"
    path.write_text(
        "uint64_t frame_address(IOUserNetworkPacket *p, const vethlab_pool *pool)\n"
        "{ return p->nope(); }\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "vethlab", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    first, *rest = result.stderr.splitlines()
    assert first.startswith("vethlab check: error: ") and "does not compile" in first
    assert any("nope" in line for line in rest)
    assert "Traceback" not in result.stderr


def test_cpp_null_pointer_is_a_crash_at_0_that_no_trap_explains(tmp_path, capsys):
    """A C++ answer that dereferences a null pointer: every case crashes, the report says where
    (0x0) and names no trap (the fault's address is not a pool offset); exit 1."""
    needs_compiler()
    path = tmp_path / "answer.cpp"
    path.write_text(
        "#include <vethlab/exercise.h>\n"
        "uint64_t frame_address(IOUserNetworkPacket *p, const vethlab_pool *pool)\n"
        "{ return *(volatile uint64_t *)pool->address; }\n",
        encoding="utf-8",
    )
    assert main(["check", str(path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    mapped = [r for r in data["results"] if not r["parameters"]["dext_mapped"]]
    assert mapped and all("SIGSEGV" in r["message"] and "at 0x0" in r["message"] for r in mapped)
    assert all(r["traps"] == [] for r in mapped)


def test_no_compiler_is_status_2_with_a_clear_line(tmp_path, capsys, monkeypatch):
    """Without a compiler: exit 2, one line saying there is none; Python answers still run."""
    monkeypatch.setenv("CXX", "no-such-compiler-vethlab")
    assert main(["check", str(EXAMPLES / "frame_address_answer.cpp")]) == 2
    assert "cannot check C++: CXX='no-such-compiler-vethlab'" in capsys.readouterr().err
    assert main(["check", str(EXAMPLES / "frame_address_answer.py")]) == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--exercise", "nope"], "invalid choice"),
        (["--timeout", "0"], "out of range"),
    ],
)
def test_bad_options_are_status_2(capsys, argv, message):
    """A bad option is one line and exit 2, before anything runs."""
    assert main(["check", str(EXAMPLES / "frame_address_answer.py"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_checker_unavailable_is_status_1(monkeypatch, capsys):
    """When this system cannot hold the pool at the dext's addresses: status 1, one line."""
    from vethlab.cli import check as check_command
    from vethlab.exercises.cpp import CheckerUnavailable

    def unavailable(*args, **kwargs):
        raise CheckerUnavailable("cannot run C++ get_packet cases here: address in use")

    monkeypatch.setattr(check_command, "check_file", unavailable)
    assert main(["check", str(EXAMPLES / "get_packet_answer.cpp")]) == 1
    assert capsys.readouterr().err == (
        "vethlab check: cannot run C++ get_packet cases here: address in use\n"
    )


def test_all_lists_every_case(capsys):
    """--all lists every case, right or wrong, with its offset error."""
    assert main(["check", str(EXAMPLES / "frame_address_question_fix.py"), "--all"]) == 1
    lines = capsys.readouterr().out.splitlines()
    cases = [line for line in lines if line.startswith("case ")]
    assert len(cases) == 576
    assert any(line.endswith(": right (+0 bytes)") for line in cases)
    assert any("wrong: " in line and "(-448 bytes)" in line for line in cases)
