"""Answers that cannot be run, or that misbehave, get a clear message: a file that does not
load or compile, the wrong name, a crash, an endless loop, a wrong type."""

import pytest
from exercise_support import require_compiler

from vethlab.exercises import AnswerError, check, check_file


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_python_syntax_error_names_the_line(tmp_path):
    """A Python file that does not parse is refused with its line."""
    path = write(tmp_path, "a.py", "def frame_address(packet, pool)\n    return 0\n")
    with pytest.raises(AnswerError, match=r"a\.py:1:"):
        check_file(path)


def test_python_wrong_name(tmp_path):
    """A file that defines the wrong name says which function it lacks."""
    path = write(tmp_path, "a.py", "def frame_adress(packet, pool):\n    return 0\n")
    with pytest.raises(AnswerError, match=r"defines no function frame_address\(packet, pool\)"):
        check_file(path, "frame_address")


def test_python_import_error_is_the_files(tmp_path):
    """A file whose top level raises is refused with the error and its line."""
    path = write(tmp_path, "a.py", "import nothing_of_that_name\n")
    with pytest.raises(AnswerError, match=r"does not load: ModuleNotFoundError.*a\.py line 1"):
        check_file(path, "frame_address")


def test_python_wrong_type_and_exception_per_case(tmp_path):
    """A wrong type and an exception are per-case verdicts, not the checker's end."""
    path = write(tmp_path, "a.py", "def frame_address(packet, pool):\n    return '0x1'\n")
    report = check_file(path)
    assert report.passed == 0
    assert "not an int address" in report.results[0].message
    path = write(tmp_path, "b.py", "def frame_address(packet, pool):\n    return 1 // 0\n")
    report = check_file(path)
    assert (
        "ZeroDivisionError" in report.results[0].message
        and "b.py line 2" in report.results[0].message
    )


def test_python_endless_loop_is_stopped(tmp_path):
    """An endless loop is stopped per case; after three, the rest are not run."""
    path = write(
        tmp_path, "a.py", "def frame_address(packet, pool):\n    while True:\n        pass\n"
    )
    report = check_file(path, timeout=0.05)
    messages = [r.message for r in report.results]
    assert messages[0].startswith("ran past its 0.05 s time limit")
    assert messages[-1].startswith("not run: 3 cases")


def test_check_a_function_from_a_notebook(capsys):
    """vethlab.check(function) prints the score and draws the map with the reads."""
    import vethlab

    def frame_address(packet, pool):
        return packet.getDataVirtualAddress() + packet.getDataOffset()

    report = vethlab.check(frame_address, draw=False)
    assert "frame_address (Python):" in capsys.readouterr().out
    assert set(report.by_trap()) == {5}  # no PoolFlagMapToDext: an offset, not an address

    def frame_address(packet, pool):  # the question's fix: its wrong reads land in the pool
        return pool.address + packet.GetMemorySegmentOffset() + packet.GetHeadroom()

    ax = vethlab.check(frame_address).draw()
    assert ax.vethlab["read_pieces"] >= 1


def test_check_refuses_a_function_of_another_name():
    """A function named for no exercise is refused."""

    def answer(packet, pool):
        return 0

    with pytest.raises(AnswerError, match="not an exercise"):
        check(answer, draw=False)


CPP_FAULT = (
    "uint64_t frame_address(IOUserNetworkPacket *p, const vethlab_pool *pool)\n"
    "{ return *(volatile uint64_t *)8; }\n"
)
CPP_LOOP = (
    "uint64_t frame_address(IOUserNetworkPacket *p, const vethlab_pool *pool)\n{ for (;;) {} }\n"
)


def test_cpp_compile_error_gives_the_compilers_message(tmp_path):
    """C++ that does not compile is refused with the compiler's message."""
    require_compiler()
    path = write(
        tmp_path,
        "a.cpp",
        "uint64_t frame_address(IOUserNetworkPacket *p, const vethlab_pool *pool)\n{ return p->nope(); }\n",
    )
    with pytest.raises(AnswerError, match=r"(?s)a\.cpp does not compile:.*nope"):
        check_file(path)


def test_cpp_wrong_signature_says_what_is_missing(tmp_path):
    """C++ that defines frame_address with another signature does not link: it says which
    function is missing."""
    require_compiler()
    path = write(
        tmp_path,
        "a.cpp",
        "int frame_address(IOUserNetworkPacket *p, vethlab_pool *pool) { return 0; }\n",
    )
    with pytest.raises(
        AnswerError, match=r"defines no uint64_t frame_address\(IOUserNetworkPacket"
    ):
        check_file(path)


def test_cpp_crash_is_a_fault_for_each_case(tmp_path):
    """A wild pointer is SIGSEGV for that case; every case still gets a verdict."""
    require_compiler()
    report = check_file(write(tmp_path, "a.cpp", CPP_FAULT))
    assert report.passed == 0 and len(report.results) == 576
    assert all("SIGSEGV" in r.message for r in report.results)


def test_cpp_endless_loop_is_stopped(tmp_path):
    """An endless loop in C++ is stopped per case; after three, the rest are not run."""
    require_compiler()
    report = check_file(write(tmp_path, "a.cpp", CPP_LOOP), timeout=0.1)
    assert report.results[0].message.startswith("ran past its 0.1 s time limit")
    assert report.results[-1].message.startswith("not run: 3 cases")


def test_without_a_compiler_cpp_says_so_and_python_works(tmp_path, monkeypatch):
    """Without a compiler the C++ path says so; the Python path still runs."""
    monkeypatch.setenv("CXX", "no-such-compiler-vethlab")
    with pytest.raises(AnswerError, match="cannot check C\\+\\+: CXX='no-such-compiler-vethlab'"):
        check_file(write(tmp_path, "a.cpp", CPP_LOOP))
    path = write(tmp_path, "a.py", "def frame_address(packet, pool):\n    return 0\n")
    assert check_file(path).failed == 576
