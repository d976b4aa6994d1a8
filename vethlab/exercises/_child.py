"""The child process that runs a compiled C++ answer, one case per request.

Started by :mod:`vethlab.exercises.cpp` as ``python -I -S _child.py LIBRARY EXERCISE TIMEOUT``:
only the standard library, so that it starts fast. For get_packet the first line it reads is
the stale struct, in hex; then requests and replies are one JSON object per line. Each case
runs in a fork of this process, so that a wild pointer (SIGSEGV, SIGBUS) or an endless loop
(killed after TIMEOUT seconds) ends that fork only and is reported as the case's verdict; the
next case starts from the same loaded library and mapped pool.

For each case the child installs the packet's fields (read from the simulation by the parent)
behind the shim's callbacks, and for get_packet maps the pool's bytes at the addresses the
simulated dext has them: ``mmap`` of a file the parent wrote, at that exact address
(``MAP_FIXED_NOREPLACE`` on Linux; a hint that must be honoured elsewhere). An address this
process cannot have is reported, never silently moved.
"""

import ctypes
import json
import mmap
import os
import resource
import select
import signal
import sys
import time

#: Field numbers of the shim's ``vethlab_get``/``vethlab_set`` (keep in step with shim.cpp).
FIELDS = {
    "data_virtual_address": 0,
    "data_io_virtual_address": 1,
    "memory_segment_offset": 2,
    "data_length": 3,
    "data_offset": 4,
    "headroom": 5,
    "link_header_length": 6,
    "timestamp": 7,
    "completion_status": 8,
}
EVENT_ENQUEUE, EVENT_UNSUPPORTED = 0, 1
STRUCT_SIZE = 1604
OUTPUT_AREA = 65536  # the struct, then guard bytes an overflowing copy lands in
GUARD = 0xA5

PROT_READ, PROT_WRITE = 1, 2
MAP_PRIVATE = 2
MAP_FIXED_NOREPLACE = 0x100000 if sys.platform.startswith("linux") else 0

GetFn = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_int)
SetFn = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_uint64)
EventFn = ctypes.CFUNCTYPE(None, ctypes.c_int)


class Pool(ctypes.Structure):
    """``struct vethlab_pool``."""

    _fields_ = [
        ("address", ctypes.c_uint64),
        ("map_to_dext", ctypes.c_bool),
        ("requested_buffer_size", ctypes.c_uint32),
    ]


libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [
    ctypes.c_void_p,
    ctypes.c_size_t,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_long,
]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
MAP_FAILED = ctypes.c_void_p(-1).value


class Child:
    def __init__(self, library: str, exercise: str) -> None:
        self.lib = ctypes.CDLL(os.path.abspath(library))
        self.exercise = exercise
        self.fields = {}
        self.events = [0, 0]
        self.callbacks = (GetFn(self._get), SetFn(self._set), EventFn(self._event))
        self.lib.vethlab_install(*self.callbacks)
        self.lib.vethlab_set_page_size.argtypes = [ctypes.c_uint64]
        self.regions = []  # (address, length, file, offset) mapped now
        # Private: a fork writes its own copy, so every case starts from the struct filled here.
        self.output = mmap.mmap(-1, OUTPUT_AREA, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self.output_address = ctypes.addressof(ctypes.c_char.from_buffer(self.output))
        if exercise == "frame_address":
            self.lib.vethlab_frame_address.restype = ctypes.c_uint64
            self.lib.vethlab_frame_address.argtypes = [ctypes.POINTER(Pool)]
        else:
            self.lib.vethlab_get_packet.restype = ctypes.c_int32
            self.lib.vethlab_get_packet.argtypes = [ctypes.POINTER(Pool), ctypes.c_void_p]

    def _get(self, field):
        return self.fields.get(field, 0)

    def _set(self, field, value):
        self.fields[field] = value

    def _event(self, event):
        if 0 <= event < len(self.events):
            self.events[event] += 1

    def fill_output(self, stale: bytes) -> None:
        """The struct as a case finds it (an earlier frame's bytes), then the guard bytes."""
        self.output[:STRUCT_SIZE] = stale
        self.output[STRUCT_SIZE:] = bytes([GUARD]) * (OUTPUT_AREA - STRUCT_SIZE)

    def map_regions(self, regions) -> str | None:
        """Map each (address, length, file, offset) at its address; why not, or None."""
        wanted = [tuple(r) for r in regions]
        if wanted == self.regions:
            return None
        for address, length, _file, _offset in self.regions:
            libc.munmap(address, length)
        self.regions = []
        for address, length, path, offset in wanted:
            fd = os.open(path, os.O_RDONLY)
            try:
                flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE
                got = libc.mmap(address, length, PROT_READ | PROT_WRITE, flags, fd, offset)
            finally:
                os.close(fd)
            if got == MAP_FAILED or got != address:
                err = ctypes.get_errno()
                if got not in (MAP_FAILED, None):
                    libc.munmap(got, length)
                return (
                    f"this process cannot have the dext's address 0x{address:x} "
                    f"({os.strerror(err) if err else 'placed elsewhere'})"
                )
            self.regions.append((address, length, path, offset))
        return None

    def run(self, request) -> dict:
        self.fields = {FIELDS[k]: v for k, v in request["packet"].items()}
        self.events = [0, 0]
        self.lib.vethlab_set_page_size(request["page_size"])
        address, map_to_dext, requested = request["pool"]
        pool = Pool(address or 0, map_to_dext, requested)
        reply = {"case": request["case"]}
        if self.exercise == "frame_address":
            reply["value"] = self.lib.vethlab_frame_address(ctypes.byref(pool))
        else:
            # The struct and its guard were filled once, before this process was forked from
            # the child: each case starts from that copy.
            reply["value"] = self.lib.vethlab_get_packet(ctypes.byref(pool), self.output_address)
            reply["output"] = self.output[:STRUCT_SIZE].hex()
            guard = self.output[STRUCT_SIZE:]
            changed = len(guard) - len(guard.lstrip(bytes([GUARD])))
            reply["overflow"] = None if changed == len(guard) else STRUCT_SIZE + changed
        reply["completed"] = self.events[EVENT_ENQUEUE]
        reply["unsupported"] = self.events[EVENT_UNSUPPORTED]
        return reply


def run_isolated(child: Child, request, timeout: float) -> dict:
    """Run one case in a forked copy of this process (which has the library loaded and the
    pool mapped): a wild pointer or an endless loop ends that copy, never this process."""
    problem = None
    if child.exercise == "get_packet":
        problem = child.map_regions(request["regions"])
    if problem:
        return {"case": request["case"], "unavailable": problem}
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: run the case, send the reply, leave without cleaning up
        os.close(read_end)
        try:
            child.lib.vethlab_report_faults(write_end)
            data = json.dumps(child.run(request)).encode()
            os.write(write_end, data)
        finally:
            os._exit(0)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + timeout
    with os.fdopen(read_end, "rb") as reader:
        while True:
            left = deadline - time.monotonic()
            ready = select.select([reader], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"case": request["case"], "timeout": timeout}
            chunk = reader.read1(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if os.WIFSIGNALED(status):
        reply = {"case": request["case"], "signal": os.WTERMSIG(status)}
        if data.startswith(b"!") and len(data) == 17:  # where the fault was (shim.cpp)
            reply["address"] = int(data[1:], 16)
        return reply
    if data:
        return json.loads(data)
    return {"case": request["case"], "exit": os.WEXITSTATUS(status)}


def main() -> None:
    # Replies go to the stdout the parent reads; what the answer prints (printf, IOLog) goes
    # to stderr, so that it cannot break a reply.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    # A case that crashes leaves no core file behind (hundreds of cases may crash).
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    child = Child(sys.argv[1], sys.argv[2])
    timeout = float(sys.argv[3])
    if child.exercise == "get_packet":
        child.fill_output(bytes.fromhex(sys.stdin.readline().strip()))
    for line in sys.stdin:
        reply = run_isolated(child, json.loads(line), timeout)
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
