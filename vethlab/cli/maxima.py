"""``vethlab bench maxima``: how long each command takes at its documented maxima.

Every count a command takes has a maximum (README, "Command line"), chosen so that a run of
``layout``, ``question`` or ``ping`` at its maxima finishes within 10 s on two cores. This
benchmark runs each command once as a process at its maxima and once with its defaults (the
baseline, measured in the same run), and prints the CPU seconds of each (the process and its
children: a busy machine stretches the wall clock, not the CPU time) beside the 10 s goal.
It prints; nothing fails when the goal is missed. It lives in the command line because what it
measures is the command line: the maxima are the parser's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from vethlab.cli import layout, ping, question

GOAL_S = 10.0

#: Each command at its maxima, with its heaviest other choices.
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
        "8192",
        "--profile",
        "intel",
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
    ],
    "ping": ["ping", "--count", str(ping.COUNT.high), "--pcap", "{tmp}/max.pcap"],
}
#: The same commands with their defaults: the baseline.
DEFAULTS = {name: [name] for name in MAXIMA}


def add_arguments(p) -> None:
    p.add_argument(
        "--maxima-commands",
        nargs="+",
        choices=list(MAXIMA),
        default=None,
        help="maxima: which commands to time (default: all of them)",
    )


def time_command(argv: list[str]) -> dict:
    """Run ``vethlab ARGV --json`` once as a process: its exit status, CPU and wall seconds."""
    import resource

    with tempfile.TemporaryDirectory() as tmp:
        argv = [a.replace("{tmp}", tmp) for a in argv]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "vethlab", *argv, "--json"],
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "VETHLAB_TRACEBACK"},
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "argv": argv,
        "status": proc.returncode,
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
    }


def run(args):
    rows = []
    for name in getattr(args, "maxima_commands", None) or MAXIMA:
        at_max, baseline = time_command(MAXIMA[name]), time_command(DEFAULTS[name])
        rows.append(
            {
                "command": name,
                "argv": at_max["argv"],
                "status": at_max["status"],
                "cpu_s": at_max["cpu_s"],
                "wall_s": at_max["wall_s"],
                "baseline_cpu_s": baseline["cpu_s"],
                "goal_s": GOAL_S,
                "goal_met": at_max["status"] == 0 and at_max["cpu_s"] < GOAL_S,
            }
        )
    lines = [
        f"{'command':<9} {'at maxima (CPU s)':>18} {'defaults (CPU s)':>17}  goal {GOAL_S:g} s"
    ]
    for r in rows:
        verdict = (
            "met"
            if r["goal_met"]
            else (f"FAILED (exit {r['status']})" if r["status"] else "missed")
        )
        lines.append(
            f"{r['command']:<9} {r['cpu_s']:>18.2f} {r['baseline_cpu_s']:>17.2f}  {verdict}"
        )
    return "\n".join(lines), {"maxima": rows, "goal_s": GOAL_S}
