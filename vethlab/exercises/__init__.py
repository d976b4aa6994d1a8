"""Exercises with a checker: write the code that finds a frame, and see it run on every Mac.

A learner answers an exercise in Python (a function) or in C++ (a file); the checker runs the
answer in every case of a matrix (both Macs, both boot segments, four requested sizes, pools
of one and of several segments, BSD and native flows, the reported quirk on and off, pools
with and without ``PoolFlagMapToDext``) and says, case by case, whether it found the frame,
by how many bytes it missed, and which trap (``vethlab.traps``) explains the miss.

==================  ==========================================================================
``cases``           the matrix, and the simulated world (Mac, pool, frames) behind each case
``verdict``         right or wrong, the offset error, the traps that explain it
``python``          load a Python answer; run it in this process, with a time limit per case
``cpp``             compile a C++ answer against ``include/`` with ``shim.cpp``; run each case
                    in a child process (``_child.py``) so that a wild pointer faults only it
``check``           :func:`check` and :func:`check_file`: the report, its JSON, its picture
``examples/``       the answers: right ones, the question's fix and its first attempt
==================  ==========================================================================

The exercises:

- ``frame_address(packet, pool)``: the address, in the dext, of the frame's first byte.
- ``get_packet(packet, pool, completion, output, memory)``: fill the 1604-byte
  ``GetPacket_Output`` (zeroed, the frame, its size), refuse a frame over 1600 bytes with a
  ``kern_return_t`` other than ``kIOReturnSuccess`` without writing past the struct, and
  complete the packet either way.
"""

from pathlib import Path as _Path

from vethlab.exercises.check import Report, check, check_file, exercise_of
from vethlab.exercises.python import AnswerError

__all__ = ["check", "check_file", "exercise_of", "Report", "AnswerError", "EXAMPLES"]

#: The folder of the example answers (``frame_address_answer.py``, ``….cpp``, …).
EXAMPLES = _Path(__file__).resolve().parent / "examples"
