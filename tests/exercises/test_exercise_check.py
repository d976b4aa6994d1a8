"""The checker tells the three answers apart as the issue says, in Python and in C++."""

import pytest

from vethlab.exercises.cases import build_cases

CASES = build_cases("frame_address")


def fix_fails(case) -> bool:
    """Where the question's fix (mapping + segment offset + headroom) must fail: native flows
    (trap 3), buffers past the first segment (trap 4), with the quirk on a request whose real
    size differs (trap 1); and wherever the dext did not map the pool itself."""
    stride_differs = case.requested_buffer_size != 2048  # 1600, 1200 and 9000 all grow
    return (
        not case.dext_mapped
        or case.flow == "native"
        or case.position != "first segment"
        or (case.quirk and stride_differs)
    )


def failed(report) -> set[int]:
    return {r.case.number for r in report.results if not r.passed}


@pytest.mark.parametrize("language", ["py", "cpp"])
def test_answer_passes_every_case(report, language):
    """The right answer passes all 576 cases."""
    result = report(f"frame_address_answer.{language}")
    assert result.passed == len(result.results) == len(CASES)
    assert result.by_trap() == {}


@pytest.mark.parametrize("language", ["py", "cpp"])
def test_question_fix_fails_exactly_its_traps(report, language):
    """The question's fix fails exactly the native-flow cases, the buffers past the first
    segment, the quirk's cases whose real size differs, and the pools the dext did not map."""
    result = report(f"frame_address_question_fix.{language}")
    assert failed(result) == {c.number for c in CASES if fix_fails(c)}
    by_trap = result.by_trap()
    mapped = [c for c in CASES if c.dext_mapped]
    assert set(by_trap[3]) >= {c.number for c in mapped if c.flow == "native"}
    assert set(by_trap[4]) >= {c.number for c in mapped if c.position != "first segment"}
    quirk = {c.number for c in mapped if c.quirk and c.requested_buffer_size != 2048}
    assert set(by_trap[1]) & {c.number for c in mapped} == quirk
    assert set(by_trap[5]) == {c.number for c in CASES if not c.dext_mapped}
    assert set(by_trap) == {1, 3, 4, 5}


@pytest.mark.parametrize("language", ["py", "cpp"])
def test_first_attempt_fails_three_cases_in_four(report, language):
    """The first attempt fails at least three cases in four; trap 2 explains every miss where
    the dext mapped the pool."""
    result = report(f"frame_address_first_attempt.{language}")
    assert result.failed * 4 >= 3 * len(result.results)
    assert set(result.by_trap()[2]) >= {c.number for c in CASES if c.dext_mapped}


def test_python_and_cpp_agree(report):
    """Each answer fails the same cases in Python and in C++."""
    for name in ("answer", "question_fix", "first_attempt"):
        python = report(f"frame_address_{name}.py")
        cpp = report(f"frame_address_{name}.cpp")
        assert failed(python) == failed(cpp), name


def test_json_keys_and_first_failure(report):
    """The JSON has the issue's keys; first_failure gives parameters, expected and got."""
    data = report("frame_address_question_fix.py").to_json()
    assert {"exercise", "cases", "passed", "failed", "by_trap", "first_failure"} <= set(data)
    assert data["exercise"] == "frame_address" and data["cases"] == 576
    assert data["passed"] + data["failed"] == 576
    first = data["first_failure"]
    assert {"parameters", "expected", "got"} <= set(first)
    assert first["parameters"]["requested_buffer_size"] in (1600, 2048, 1200, 9000)
    assert all(k.isdigit() for k in data["by_trap"])
    assert report("frame_address_answer.py").to_json()["first_failure"] is None


@pytest.mark.parametrize("language", ["py", "cpp"])
def test_get_packet_answer_passes(report, language):
    """The right get_packet passes every case, long frames included."""
    result = report(f"get_packet_answer.{language}")
    assert result.passed == len(result.results) == 1080


@pytest.mark.parametrize("language", ["py", "cpp"])
def test_get_packet_question_falls_in_6_7_12(report, language):
    """The question's GetPacket: every long frame is trap 6; every short frame in a pool the
    dext mapped leaks stale bytes (trap 7); a packet it returns from is never completed (12)."""
    result = report(f"get_packet_question.{language}")
    assert result.passed == 0
    by_trap = result.by_trap()
    cases = {r.case.number: r.case for r in result.results}
    long_mapped = {n for n, c in cases.items() if c.frame == "long" and c.dext_mapped}
    short_mapped = {n for n, c in cases.items() if c.frame == "short" and c.dext_mapped}
    assert set(by_trap[6]) == long_mapped
    assert set(by_trap[7]) == short_mapped
    assert set(by_trap[12]) >= short_mapped
    assert set(by_trap[5]) == {n for n, c in cases.items() if not c.dext_mapped}


def test_text_report_shows_each_kind_of_mistake_once():
    """A mistake made in every case is listed once, and the rest are counted, not repeated."""
    from vethlab.exercises.check import Report
    from vethlab.exercises.verdict import CaseResult

    same = [CaseResult(c, False, "raised RuntimeError: boom", None, None) for c in CASES[:20]]
    other = CaseResult(CASES[20], False, "0x12e300800 is pool offset 0x800, -8 bytes", 0, 0, -8)
    text = Report("frame_address", "Python", [*same, other]).text(failures=12)
    assert text.count("raised RuntimeError: boom") == 1
    assert text.count("-8 bytes") == 1
    assert (
        text.splitlines()[-1]
        == "... and 19 more wrong cases, each like one above (--all lists all)"
    )
