"""The documented maxima of `layout`, `question` and `ping` finish within 10 s on two cores.

Each command runs once as a process with every count at its maximum (read from the parser,
so a raised maximum is timed at its new value) and the heaviest other choices. What is
checked is the CPU time of the process and its children, not the wall clock: the machine that
runs the tests is often busy with other work, which stretches the wall clock but not the CPU
time. The benchmarks (`vethlab bench`) are left out: their time is what they measure (README).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from vethlab.cli import layout, ping, question
from vethlab.wire.tap import tap_available

resource = pytest.importorskip("resource")

LIMIT_S = 10.0

TAP, WHY_NO_TAP = tap_available()

MAXIMA = {
    "layout": [
        "layout",
        "--packets",
        str(layout.COUNT.high),
        "--buffers",
        str(layout.COUNT.high),
        "--rows",
        str(layout.ROWS.high),
        "--buffer-size",
        str(layout.BUFFER_SIZE.high),
        "--profile",
        "intel",
        "--json",
    ],
    "question": [
        "question",
        "--packets",
        str(question.PACKETS.high),
        "--buffer-size",
        str(question.BUFFER_SIZE.high),
        "--profile",
        "intel",
        "--segment-size",
        "81920",
        "--json",
    ],
    "ping": ["ping", "--count", str(ping.COUNT.high), "--pcap", "{tmp}/max.pcap", "--json"],
    "ping --tap": ["ping", "--tap", "--count", str(ping.COUNT.high), "--json"],
}


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.tap) if "--tap" in n else n for n in MAXIMA]
)
def test_the_maxima_finish_within_10_s(name, tmp_path):
    if "--tap" in name and not TAP:
        pytest.skip(WHY_NO_TAP)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in MAXIMA[name]]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "vethlab", *argv],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "VETHLAB_TRACEBACK"},
        timeout=300,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert proc.returncode == 0, proc.stderr
    assert cpu < LIMIT_S, f"vethlab {' '.join(argv)}: {cpu:.1f} s of CPU ({wall:.1f} s wall)"
