"""Bad command lines, table-driven: every one gets its exit status, exactly one line on stderr
that names the problem, and no traceback (README, "Exit status").

Each case runs in-process through ``main()``; those marked ``SUB`` run again as a real process
(``python -m vethlab``), where a traceback or an odd exit status could not hide. The cases that
need a real stdout (full, closed) run only as processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from vethlab import cli, lab as vethlab_lab
from vethlab.cli import common


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    status: int
    says: str  # a part of the one stderr line: the option and the value, or the refusal
    sub: bool = False  # also run as a process

    @property
    def id(self) -> str:
        return " ".join(a if a.strip() else repr(a) for a in self.argv) or "(nothing)"


def bad(line: str | list[str], says: str, status: int = 2, sub: bool = False) -> Case:
    argv = line.split() if isinstance(line, str) else line
    return Case(tuple(argv), status, says, sub)


SUB = True
TOO_MANY = "1000000000000"  # 10**12

CASES = [
    # -- vethlab itself -----------------------------------------------------------------------
    bad([], "the following arguments are required: COMMAND", sub=SUB),
    bad("frob", "invalid choice: 'frob'", sub=SUB),
    bad("LAYOUT", "invalid choice: 'LAYOUT'"),
    bad("--json", "the following arguments are required: COMMAND"),
    bad("--bogus", "the following arguments are required: COMMAND"),
    # -- layout -------------------------------------------------------------------------------
    bad("layout --packets 0", "argument --packets: 0 is out of range; allowed: 1..131072", sub=SUB),
    bad("layout --packets -1", "argument --packets: -1 is out of range; allowed: 1..131072"),
    bad(
        "layout --packets 131073", "argument --packets: 131073 is out of range; allowed: 1..131072"
    ),
    bad(
        "layout --packets 1000000000",
        "argument --packets: 1000000000 is out of range; allowed: 1..131072",
    ),
    bad(
        "layout --packets abc",
        "argument --packets: 'abc' is not a whole number; allowed: 1..131072",
        sub=SUB,
    ),
    bad("layout --packets 1.5", "argument --packets: '1.5' is not a whole number"),
    bad("layout --packets 1e3", "argument --packets: '1e3' is not a whole number"),
    bad(["layout", "--packets", ""], "argument --packets: '' is not a whole number"),
    bad("layout --packets", "argument --packets: expected one argument"),
    bad(["layout", "--packets", "9" * 5000], "argument --packets: '99999"),
    bad("layout --buffers 0", "argument --buffers: 0 is out of range; allowed: 1..131072"),
    bad("layout --buffers 131073", "argument --buffers: 131073 is out of range"),
    bad("layout --buffers x", "argument --buffers: 'x' is not a whole number"),
    bad(
        "layout --buffer-size 0",
        "argument --buffer-size: 0 is out of range; allowed: 1..4294967295",
    ),
    bad(
        "layout --buffer-size 4294967296",
        "argument --buffer-size: 4294967296 is out of range; allowed: 1..4294967295",
    ),
    bad(
        "layout --buffer-size 4294967295",
        "kIOReturnBadArgument",
        status=1,
    ),
    bad(
        "layout --stack netmap --mem-channels 4", "--mem-channels applies to --stack dpdk", status=1
    ),
    bad(
        "layout --stack dpdk --mem-channels 0",
        "argument --mem-channels: 0 is out of range; allowed: 1..64",
    ),
    bad("layout --stack ppp", "argument --stack: invalid choice: 'ppp'"),
    bad("layout --stack netmap --page-size 3000", "argument --page-size: 3000 is not allowed"),
    bad("layout --buffer-size -1600", "argument --buffer-size: -1600 is out of range"),
    bad("layout --buffer-size 1600B", "argument --buffer-size: '1600B' is not a whole number"),
    bad("layout --rows -1", "argument --rows: -1 is out of range; allowed: 0..131072"),
    bad("layout --rows 131073", "argument --rows: 131073 is out of range; allowed: 0..131072"),
    bad(
        "layout --segment-size 4096",
        "argument --segment-size: 4096 is not allowed; allowed: 65536 or 81920",
        sub=SUB,
    ),
    bad("layout --segment-size 65535", "argument --segment-size: 65535 is not allowed"),
    bad("layout --segment-size 64K", "argument --segment-size: '64K' is not a whole number"),
    bad("layout --profile arm", "argument --profile: invalid choice: 'arm'"),
    bad(["layout", "--profile", ""], "argument --profile: invalid choice: ''"),
    bad("layout --seed -1", "argument --seed: -1 is out of range; allowed: 0..4294967295"),
    bad("layout --seed 4294967296", "argument --seed: 4294967296 is out of range"),
    bad("layout --seed x", "argument --seed: 'x' is not a whole number"),
    bad("layout --count 3", "unrecognized arguments: --count 3", sub=SUB),
    bad("layout extra", "unrecognized arguments: extra"),
    bad("layout --json=1", "argument --json: ignored explicit argument '1'"),
    bad(
        "layout --packets 10 --buffers 5",
        "kIOReturnBadArgument (0xe00002c2): bufferCount 5 is smaller than packetCount 10",
        status=1,
        sub=SUB,
    ),
    # -- question -----------------------------------------------------------------------------
    bad(
        "question --packets 131072",
        "argument --packets: 131072 is out of range; allowed: 1..4096",
        sub=SUB,
    ),
    bad(
        "question --packets 4097",
        "argument --packets: 4097 is out of range; allowed: 1..4096",
        sub=SUB,
    ),
    bad("question --packets 0", "argument --packets: 0 is out of range; allowed: 1..4096"),
    bad("question --packets -5", "argument --packets: -5 is out of range"),
    bad("question --packets many", "argument --packets: 'many' is not a whole number"),
    bad(
        "question --headroom -1",
        "argument --headroom: -1 is out of range; allowed: 0..255",
        sub=SUB,
    ),
    bad("question --headroom 256", "argument --headroom: 256 is out of range; allowed: 0..255"),
    bad("question --headroom eight", "argument --headroom: 'eight' is not a whole number"),
    bad(
        "question --data-offset -1", "argument --data-offset: -1 is out of range; allowed: 0..65535"
    ),
    bad(
        "question --data-offset 65536",
        "argument --data-offset: 65536 is out of range; allowed: 0..65535",
    ),
    bad("question --data-offset 2.0", "argument --data-offset: '2.0' is not a whole number"),
    bad("question --buffer-size 0", "argument --buffer-size: 0 is out of range; allowed: 1..65536"),
    bad("question --buffer-size 65537", "argument --buffer-size: 65537 is out of range"),
    bad("question --seed -1", "argument --seed: -1 is out of range"),
    bad("question --segment-size 1", "argument --segment-size: 1 is not allowed"),
    bad("question --profile m1", "argument --profile: invalid choice: 'm1'"),
    bad("question --no-quirk=1", "argument --no-quirk: ignored explicit argument '1'"),
    bad("question --quirk", "unrecognized arguments: --quirk"),
    bad(
        "question --data-offset 5000",
        "kIOReturnBadArgument (0xe00002c2): bufferSize 1600 gives 2048-byte buffers: past a data offset of 5000",
        status=1,
        sub=SUB,
    ),
    bad(
        "question --profile intel --buffer-size 1",
        "kIOReturnBadArgument (0xe00002c2): bufferSize 1 gives",
        status=1,
    ),
    bad("question --headroom 200 --buffer-size 100", "kIOReturnBadArgument", status=1),
    # -- ping ---------------------------------------------------------------------------------
    bad("ping --count -1", "argument --count/-c: -1 is out of range; allowed: 0..5000", sub=SUB),
    bad(
        "ping --count 65536",
        "argument --count/-c: 65536 is out of range; allowed: 0..5000",
        sub=SUB,
    ),
    bad("ping --count 1000000000", "argument --count/-c: 1000000000 is out of range", sub=SUB),
    bad("ping --count 10**9", "argument --count/-c: '10**9' is not a whole number", sub=SUB),
    bad("ping --count 5001", "argument --count/-c: 5001 is out of range; allowed: 0..5000"),
    bad("ping -c -1", "argument --count/-c: -1 is out of range"),
    bad("ping -c four", "argument --count/-c: 'four' is not a whole number"),
    bad(["ping", "--count", ""], "argument --count/-c: '' is not a whole number"),
    bad("ping --count 1.0", "argument --count/-c: '1.0' is not a whole number"),
    bad("ping --count", "argument --count/-c: expected one argument"),
    bad("ping --tap --count -1", "argument --count/-c: -1 is out of range", sub=SUB),
    bad("ping --tap --count 65536", "argument --count/-c: 65536 is out of range"),
    bad("ping --packets 0", "argument --packets: 0 is out of range; allowed: 1..131072", sub=SUB),
    bad("ping --packets 131073", "argument --packets: 131073 is out of range"),
    bad(
        "ping --capacity 0",
        "argument --capacity: 0 is out of range; allowed: 1..4294967295",
        sub=SUB,
    ),
    bad("ping --capacity -1", "argument --capacity: -1 is out of range"),
    bad("ping --capacity 4294967296", "argument --capacity: 4294967296 is out of range"),
    bad("ping --seed -1", "argument --seed: -1 is out of range; allowed: 0..4294967295"),
    bad("ping --design fast", "argument --design: invalid choice: 'fast'"),
    bad("ping --flow ipv6", "argument --flow: invalid choice: 'ipv6'"),
    bad("ping --interval 1", "unrecognized arguments: --interval 1"),
    bad("ping 192.0.2.2", "unrecognized arguments: 192.0.2.2"),
    bad(["ping", "--pcap", ""], "argument --pcap: '' is empty or blank; give a path"),
    bad("ping --pcap {dir}", "argument --pcap: '{dir}' is a folder; give a file name", sub=SUB),
    bad(
        "ping --pcap {missing}/x.pcap",
        "argument --pcap: the folder of '{missing}/x.pcap' does not exist",
        sub=SUB,
    ),
    bad(
        "ping --pcap {file}/x.pcap", "argument --pcap: '{file}' in '{file}/x.pcap' is not a folder"
    ),
    bad(
        "ping --pcap /dev/null/x.pcap",
        "argument --pcap: '/dev/null' in '/dev/null/x.pcap' is not a folder",
    ),
    bad("ping --tap --pcap {dir}", "argument --pcap: '{dir}' is a folder"),
    bad("ping --pcap", "argument --pcap: expected one argument"),
    bad(["ping", "--pcap", "x" * 5000], "argument --pcap: cannot use 'xxxx"),
    # -- bench --------------------------------------------------------------------------------
    bad("bench", "the following arguments are required: what", sub=SUB),
    bad("bench frob", "argument what: invalid choice: 'frob'"),
    bad("bench --repeat 3", "the following arguments are required: what"),
    bad(
        "bench userclient --repeat 0",
        "argument --repeat: 0 is out of range; allowed: 1..500",
        sub=SUB,
    ),
    bad("bench redraw --repeat 0", "argument --repeat: 0 is out of range; allowed: 1..500"),
    bad("bench redraw --repeat -1", "argument --repeat: -1 is out of range"),
    bad("bench userclient --repeat 501", "argument --repeat: 501 is out of range; allowed: 1..500"),
    bad("bench userclient --repeat 1.5", "argument --repeat: '1.5' is not a whole number"),
    bad("bench userclient --repeat x", "argument --repeat: 'x' is not a whole number"),
    bad(
        "bench redraw --redraw-sizes abc",
        "argument --redraw-sizes: 'abc' is not a whole number; allowed: 1 to 8 whole numbers 1..65536",
        sub=SUB,
    ),
    bad(["bench", "redraw", "--redraw-sizes", ""], "argument --redraw-sizes: '' is not allowed"),
    bad(
        "bench redraw --redraw-sizes 32,,64",
        "argument --redraw-sizes: '' in '32,,64' is not a whole number",
        sub=SUB,
    ),
    bad(
        "bench redraw --redraw-sizes 32;64",
        "argument --redraw-sizes: '32;64' is not a whole number",
    ),
    bad("bench redraw --redraw-sizes 0", "argument --redraw-sizes: 0 in '0' is out of range"),
    bad(
        "bench redraw --redraw-sizes 32,65537",
        "argument --redraw-sizes: 65537 in '32,65537' is out of range",
    ),
    bad(
        "bench redraw --redraw-sizes 1,2,3,4,5,6,7,8,9",
        "argument --redraw-sizes: '1,2,3,4,5,6,7,8,9' is not allowed",
    ),
    bad(
        "bench redraw --redraw-packets 0",
        "argument --redraw-packets: 0 is out of range; allowed: 1..131072",
    ),
    bad(
        "bench redraw --redraw-packets 131073", "argument --redraw-packets: 131073 is out of range"
    ),
    bad(
        "bench redraw --redraw-floor-repeat 0",
        "argument --redraw-floor-repeat: 0 is out of range; allowed: 1..100",
        sub=SUB,
    ),
    bad(
        "bench redraw --redraw-floor-repeat 101",
        "argument --redraw-floor-repeat: 101 is out of range",
    ),
    bad(
        f"bench userclient --userclient-frames {TOO_MANY}",
        f"argument --userclient-frames: {TOO_MANY} is out of range; allowed: 1..4096",
        sub=SUB,
    ),
    bad(
        "bench userclient --userclient-frames 0", "argument --userclient-frames: 0 is out of range"
    ),
    bad(
        "bench userclient --userclient-frames 4097",
        "argument --userclient-frames: 4097 is out of range",
    ),
    bad(
        "bench userclient --userclient-frames 10**12",
        "argument --userclient-frames: '10**12' is not a whole number",
    ),
    bad("bench userclient --frames 4", "unrecognized arguments: --frames 4"),
    # -- lab ----------------------------------------------------------------------------------
    bad(
        ["lab", "--no-open", "--dir", ""],
        "argument --dir: '' is empty or blank; give a path",
        sub=SUB,
    ),
    bad(["lab", "--dir", ""], "argument --dir: '' is empty or blank"),
    bad(["lab", "--no-open", "--dir", "  "], "argument --dir: '  ' is empty or blank"),
    bad("lab --no-open --dir {file}", "argument --dir: '{file}' is not a folder", sub=SUB),
    bad(
        "lab --no-open --dir {file}/sub",
        "argument --dir: '{file}' in '{file}/sub' is not a folder",
        sub=SUB,
    ),
    bad(
        "lab --no-open --dir {file}/a/b/c",
        "argument --dir: '{file}' in '{file}/a/b/c' is not a folder",
    ),
    bad("lab --no-open --dir /dev/null", "argument --dir: '/dev/null' is not a folder", sub=SUB),
    bad(
        "lab --no-open --dir /dev/null/notebooks",
        "argument --dir: '/dev/null' in '/dev/null/notebooks' is not a folder",
    ),
    bad("lab --no-open --dir {link}", "argument --dir: '{link}' is a link to nothing"),
    bad("inspect", "the following arguments are required: DUMP"),
    bad(
        "inspect {missing}/pool.bin", "argument DUMP: '{missing}/pool.bin' does not exist", sub=SUB
    ),
    bad("inspect {dir}", "argument DUMP: '{dir}' is not a file", sub=SUB),
    bad(
        "inspect {file} --page-size 3000",
        "argument --page-size: 3000 is not allowed; allowed: 4096 or 16384",
    ),
    bad("inspect {file} --rows -1", "argument --rows: -1 is out of range; allowed: 0..1048576"),
    bad(
        "inspect {file} --reads {missing}/r.txt",
        "argument --reads: '{missing}/r.txt' does not exist",
    ),
    bad(
        "inspect {file} --png {missing}/m.png",
        "argument --png: the folder of '{missing}/m.png' does not exist",
    ),
    bad("inspect {file} --png {dir}", "argument --png: '{dir}' is a folder; give a file name"),
    bad("check", "the following arguments are required: FILE"),
    bad(
        "check {missing}/answer.py", "argument FILE: '{missing}/answer.py' does not exist", sub=SUB
    ),
    bad("check {dir}", "argument FILE: '{dir}' is not a file"),
    bad("check {file}", "allowed: a .py or a .cpp file", sub=SUB),
    bad("check {file} --exercise nope", "argument --exercise: invalid choice: 'nope'"),
    bad("check {file} --timeout 0", "argument --timeout: 0 is out of range; allowed: 1..60"),
    bad("check {file} --timeout 0.5", "argument --timeout: '0.5' is not a whole number"),
    bad("lab --no-open --dir", "argument --dir: expected one argument"),
    bad(
        ["lab", "--no-open", "--dir", "y" * 300 + "/z"],
        "argument --dir: cannot use 'yyyy",
    ),
    bad("lab --no-open=yes", "argument --no-open: ignored explicit argument 'yes'"),
    bad("lab --no-open --bogus", "unrecognized arguments: --bogus", sub=SUB),
]


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    """What the placeholders in the table stand for: a file, a folder, a missing folder, a
    link to nothing. The processes run in ``cwd``, an empty folder."""
    root = tmp_path_factory.mktemp("places")
    (root / "a-file").write_text("not a folder")
    (root / "a-folder").mkdir()
    (root / "cwd").mkdir()
    (root / "a-link").symlink_to(root / "nothing-here")
    return {
        "file": str(root / "a-file"),
        "dir": str(root / "a-folder"),
        "missing": str(root / "missing"),
        "link": str(root / "a-link"),
        "cwd": str(root / "cwd"),
    }


def fill(text: str, places: dict[str, str]) -> str:
    for key, value in places.items():
        text = text.replace("{" + key + "}", value)
    return text


def check_stderr(case: Case, err: str, places) -> None:
    """Exactly one line, naming the command and the problem; no traceback."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and err.endswith("\n"), err
    (line,) = lines
    command = case.argv[0] if case.argv and case.argv[0] in cli.COMMANDS else None
    prefix = "vethlab" + (f" {command}" if command else "") + ": "
    assert line.startswith(prefix + ("error: " if case.status == 2 else "")), line
    assert fill(case.says, places) in line


@pytest.fixture
def nothing_runs_jupyterlab(monkeypatch):
    """No case of the table may get as far as copying notebooks or starting JupyterLab."""

    def refuse(*args, **kwargs):
        raise AssertionError("a bad command line got as far as `vethlab lab`'s work")

    monkeypatch.setattr(vethlab_lab, "sync_notebooks", refuse)
    monkeypatch.setattr(vethlab_lab, "open_lab", refuse)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_command_line_in_process(case, places, capsys, monkeypatch, nothing_runs_jupyterlab):
    monkeypatch.delenv("VETHLAB_TRACEBACK", raising=False)
    monkeypatch.chdir(places["cwd"])
    argv = [fill(a, places) for a in case.argv]
    assert cli.main(argv) == case.status
    out, err = capsys.readouterr()
    check_stderr(case, err, places)
    assert out == ""


def run_vethlab(argv, *, cwd, stdout=subprocess.PIPE, env=None, shell_prefix=None):
    """``python -m vethlab ARGV`` as a process: (status, stdout, stderr)."""
    env = {**os.environ, **(env or {})}
    env.pop("VETHLAB_TRACEBACK", None)
    command = [sys.executable, "-m", "vethlab", *argv]
    if shell_prefix:
        command = ["sh", "-c", shell_prefix, *command]
    proc = subprocess.run(
        command, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, env=env, timeout=120
    )
    return proc.returncode, proc.stdout, proc.stderr.decode()


SUB_CASES = [c for c in CASES if c.sub]


@pytest.fixture(scope="module")
def processes(places):
    """Run every process case at once (a few at a time): each takes about half a second to
    start Python and import vethlab."""

    def one(case):
        return run_vethlab([fill(a, places) for a in case.argv], cwd=places["cwd"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(SUB_CASES, pool.map(one, SUB_CASES), strict=True))


@pytest.mark.parametrize("case", SUB_CASES, ids=lambda c: c.id)
def test_bad_command_line_as_a_process(case, places, processes):
    status, out, err = processes[case]
    assert status == case.status, err
    check_stderr(case, err, places)
    assert out == b""
    assert os.listdir(places["cwd"]) == []  # nothing was written (`lab --dir ''` copied here)


# -- output that cannot be written: a real stdout, so processes only ----------------------------

have_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")


@have_dev_full
@pytest.mark.parametrize(
    "argv, name, unbuffered",
    [
        (["layout"], "vethlab layout", ""),
        (["layout"], "vethlab layout", "1"),
        (["question", "--json"], "vethlab question", ""),
        (["ping", "--count", "1"], "vethlab ping", "1"),
        (["layout", "--help"], "vethlab", ""),
        (["--help"], "vethlab", "1"),
        (["lab", "--dir", "{dir}/notebooks"], "vethlab lab", ""),
        (["lab", "--dir", "{dir}/notebooks", "--json"], "vethlab lab", "1"),
    ],
    ids=[
        "layout",
        "layout-unbuffered",
        "question --json",
        "ping-unbuffered",
        "layout --help",
        "--help-unbuffered",
        "lab (says what it copied, then would open JupyterLab)",
        "lab --json-unbuffered",
    ],
)
def test_stdout_full(argv, name, unbuffered, places):
    """`vethlab … > /dev/full`: exit 1 and one line saying stdout is full (Python's own buffered
    or unbuffered stdout)."""
    argv = [fill(a, places) for a in argv]
    with open("/dev/full", "wb") as full:
        status, _, err = run_vethlab(
            argv, cwd=places["cwd"], stdout=full, env={"PYTHONUNBUFFERED": unbuffered}
        )
    assert (status, err) == (
        1,
        f"{name}: cannot write to standard output: No space left on device\n",
    )


@pytest.mark.parametrize(
    "argv", [["layout"], ["ping", "--count", "1", "--json"]], ids=["layout", "ping"]
)
def test_stdout_closed(argv, places):
    """`vethlab … >&-`: exit 1 and one line; the run does not start."""
    status, _, err = run_vethlab(
        argv, cwd=places["cwd"], stdout=None, shell_prefix='exec "$0" "$@" >&-'
    )
    assert (status, err) == (
        1,
        f"vethlab {argv[0]}: cannot write to standard output: it is closed\n",
    )


@have_dev_full
def test_pcap_to_a_full_disk(places):
    """A pcap that passes the checks but cannot be written (a full disk): exit 1, one line
    naming the file."""
    status, _, err = run_vethlab(["ping", "--count", "1", "--pcap", "/dev/full"], cwd=places["cwd"])
    assert (status, err) == (
        1,
        "vethlab ping: /dev/full: cannot write it: No space left on device\n",
    )


def test_stderr_full_still_gives_the_status(places):
    """With nowhere to say it (stderr full or closed), the status still tells."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    for unbuffered in ("1", ""):
        proc = subprocess.run(
            [
                "sh",
                "-c",
                'exec "$0" "$@" 2>/dev/full',
                sys.executable,
                "-m",
                "vethlab",
                "ping",
                "--count",
                "-1",
            ],
            cwd=places["cwd"],
            capture_output=True,
            env={**os.environ, "PYTHONUNBUFFERED": unbuffered},
            timeout=120,
        )
        assert (proc.returncode, proc.stdout, proc.stderr) == (2, b"", b"")


# -- folders that cannot be written --------------------------------------------------------------


@pytest.fixture
def locked(tmp_path, monkeypatch):
    """A folder that cannot be written: by its mode, and (root may write anywhere) by
    os.access saying so."""
    folder = tmp_path / "locked"
    folder.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        common.os,
        "access",
        lambda path, mode, **kw: (
            not str(path).startswith(str(folder)) and real_access(path, mode, **kw)
        ),
    )
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize(
    "argv, says",
    [
        (
            ["lab", "--no-open", "--dir", "{locked}"],
            "argument --dir: the folder '{locked}' cannot be written",
        ),
        (
            ["lab", "--no-open", "--dir", "{locked}/mine"],
            "argument --dir: '{locked}/mine' does not exist and cannot be made: '{locked}' cannot be written",
        ),
        (
            ["ping", "--pcap", "{locked}/x.pcap"],
            "argument --pcap: the folder of '{locked}/x.pcap' cannot be written",
        ),
    ],
    ids=["lab --dir LOCKED", "lab --dir LOCKED/mine", "ping --pcap LOCKED/x.pcap"],
)
def test_unwritable_folder(argv, says, locked, capsys, nothing_runs_jupyterlab):
    argv = [a.replace("{locked}", str(locked)) for a in argv]
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        f"vethlab {argv[0]}: error: {says.replace('{locked}', str(locked))}\n",
    )


def test_unwritable_pcap_file(tmp_path, capsys, monkeypatch):
    """An existing pcap that cannot be written is refused before the run."""
    pcap = tmp_path / "old.pcap"
    pcap.write_bytes(b"")
    real_access = os.access
    monkeypatch.setattr(
        common.os,
        "access",
        lambda p, mode, **kw: str(p) != str(pcap) and real_access(p, mode, **kw),
    )
    assert cli.main(["ping", "--pcap", str(pcap)]) == 2
    assert (
        capsys.readouterr().err
        == f"vethlab ping: error: argument --pcap: '{pcap}' exists and cannot be written\n"
    )


# -- what a run raises ---------------------------------------------------------------------------


def test_the_table_is_big_enough():
    """At least 100 bad command lines over the five commands, about 30 of them as processes."""
    assert len(CASES) >= 100
    assert {c.argv[0] for c in CASES if c.argv} >= set(cli.COMMANDS)
    assert len(SUB_CASES) >= 25


def test_an_internal_error_is_one_line_and_status_1(monkeypatch, capsys):
    """A bug in vethlab: one line 'internal error', status 1; VETHLAB_TRACEBACK=1 shows it."""

    def broken(args):
        raise KeyError("segment")

    monkeypatch.setattr(cli.layout, "run", broken)
    monkeypatch.delenv("VETHLAB_TRACEBACK", raising=False)
    assert cli.main(["layout"]) == 1
    assert capsys.readouterr().err == (
        "vethlab layout: internal error: KeyError: 'segment' (VETHLAB_TRACEBACK=1 shows where)\n"
    )
    monkeypatch.setenv("VETHLAB_TRACEBACK", "1")
    with pytest.raises(KeyError):
        cli.main(["layout"])


def test_traceback_on_request_as_a_process(places):
    """VETHLAB_TRACEBACK=1 shows the traceback of a refused run."""
    proc = subprocess.run(
        [sys.executable, "-m", "vethlab", "layout", "--packets", "10", "--buffers", "5"],
        cwd=places["cwd"],
        capture_output=True,
        text=True,
        env={**os.environ, "VETHLAB_TRACEBACK": "1"},
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "BadArgument" in proc.stderr


def test_a_file_error_names_the_file(monkeypatch, capsys):
    """An OSError from a file during the run: status 1, one line naming the file."""

    def unreadable(args):
        raise PermissionError(13, "Permission denied", "/somewhere/notebook.ipynb")

    monkeypatch.setattr(cli.layout, "run", unreadable)
    monkeypatch.delenv("VETHLAB_TRACEBACK", raising=False)
    assert cli.main(["layout"]) == 1
    assert (
        capsys.readouterr().err == "vethlab layout: /somewhere/notebook.ipynb: Permission denied\n"
    )


def test_tap_missing_is_status_1(monkeypatch, capsys):
    """`vethlab ping --tap` where a TAP device cannot be made: status 1, one line."""
    monkeypatch.setattr(cli.ping, "tap_available", lambda: (False, "/dev/net/tun is missing"))
    assert cli.main(["ping", "--tap"]) == 1
    assert capsys.readouterr().err == "vethlab ping: --tap: /dev/net/tun is missing\n"


def test_ctrl_c_is_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.layout, "run", interrupted)
    assert cli.main(["layout"]) == 130


# -- every option is checked ---------------------------------------------------------------------

CHECKED = (common.IntegerRange, common.IntegerChoice, common.IntegerList)


def options():
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    for name, command in sub.choices.items():
        for action in command._actions:
            yield name, action


@pytest.mark.parametrize(
    "name, action", list(options()), ids=lambda x: x if isinstance(x, str) else x.dest
)
def test_every_option_is_checked_at_parse_time(name, action):
    """An option that takes a value has a checking type (a range, a path that can be used) or
    a list of choices; a plain int or str would let a bad value through to the run."""
    if action.nargs == 0 or action.dest in ("help", "jupyter_args"):
        return
    assert (
        action.choices is not None
        or isinstance(action.type, CHECKED)
        or action.type
        in (
            common.output_file,
            common.input_file,
            common.folder,
        )
    ), (
        f"vethlab {name} {action.option_strings or action.dest}: give it a type from vethlab.cli.common"
    )


def test_the_documented_maxima_are_in_the_help(capsys):
    """--help says each option's range."""
    for name, action in options():
        if isinstance(action.type, common.IntegerRange):
            assert str(action.type) in action.help, (name, action.dest)


def test_the_readme_says_every_range():
    """README's command-line section gives every option's range, as --help does."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Command line") :]
    section = section[: section.index("\n## ", 1)]
    for name, action in options():
        if isinstance(action.type, (common.IntegerRange, common.IntegerList)):
            low_high = f"{action.type.low}..{action.type.high}"
            assert low_high in section, (name, action.dest, low_high)


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("layout --packets 1 --buffer-size 1 --rows 0 --seed 4294967295", 0),
        ("layout --buffer-size 8192 --packets 131072 --rows 0 --segment-size 81920", 0),
        ("question --packets 1 --headroom 0 --data-offset 0", 0),
        ("question --packets 1 --buffer-size 65536 --headroom 255", 0),
        ("ping --count 0", 0),
        # one packet in the pool: allowed, and every reply is lost, so the run fails (ping(8))
        ("ping -c 2 --packets 1 --capacity 1", 1),
        # the largest queues take every packet of the pool for RX: TX finds none, replies lost
        ("ping -c 1 --packets 131072 --capacity 4294967295 --design batch", 1),
    ],
)
def test_the_limits_themselves_are_allowed(line, status, capsys):
    """Each end of a range runs (cheap ones here; the maxima in test_maxima.py): a report on
    stdout, nothing on stderr, and the run's own status, never 2."""
    assert cli.main(line.split()) == status
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out


def test_a_good_command_line_still_works(capsys, places):
    """The checks let good values through: the largest ping count parses, and so on."""
    parser = cli.build_parser()
    args = parser.parse_args(
        ["ping", "--count", "5000", "--pcap", places["dir"] + "/x.pcap", "--capacity", "4294967295"]
    )
    assert (args.count, args.capacity) == (5000, 4294967295)
    args = parser.parse_args(["bench", "redraw", "--redraw-sizes", "32, 64"])
    assert args.redraw_sizes == "32,64"
    args = parser.parse_args(["lab", "--dir", places["missing"] + "/new/folder"])
    assert args.dir == places["missing"] + "/new/folder"
    assert cli.main(["layout", "--packets", "131072", "--rows", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["packet_count"] == 131072
