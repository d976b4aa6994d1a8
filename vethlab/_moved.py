"""Module paths of vethlab 0.1 that moved in 0.2.0, kept working for one release.

``import vethlab.queues`` (or ``from vethlab.question_app import deliver``) still works: the
old name becomes a module that forwards every attribute to where it lives now, and importing it
emits a ``DeprecationWarning`` that names the new path. These paths go away in vethlab 0.3.0.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

#: Old module path -> the modules that hold its names now (searched in this order).
MOVED: dict[str, tuple[str, ...]] = {
    "vethlab.machine": ("vethlab.model.machine",),
    "vethlab.layout": ("vethlab.model.layout",),
    "vethlab.memory": ("vethlab.model.memory", "vethlab.driverkit.memory"),
    "vethlab.service": ("vethlab.driverkit.service",),
    "vethlab.userclient": ("vethlab.driverkit.userclient",),
    "vethlab.packet": ("vethlab.networkingdriverkit.packet",),
    "vethlab.pool": ("vethlab.networkingdriverkit.pool",),
    "vethlab.queues": (
        "vethlab.networkingdriverkit.queues",
        "vethlab.driverkit.dispatch",
        "vethlab.model.scheduler",
    ),
    "vethlab.ethernet": ("vethlab.networkingdriverkit.ethernet",),
    "vethlab.frames": ("vethlab.wire.frames",),
    "vethlab.pcap": ("vethlab.wire.pcap",),
    "vethlab.host": ("vethlab.wire.host",),
    "vethlab.tap": ("vethlab.wire.tap",),
    "vethlab.structs": ("vethlab.handoff.structs",),
    "vethlab.question_app": (
        "vethlab.handoff.stack_slot",
        "vethlab.handoff.get_packet",
        "vethlab.handoff.user_client",
        "vethlab.handoff.dext",
        "vethlab.handoff.app",
        "vethlab.question.dext",
        "vethlab.question.runs",
    ),
    "vethlab.responder": ("vethlab.ping.dext", "vethlab.ping.app", "vethlab.ping.link"),
    "vethlab.bench_redraw": ("vethlab.bench.redraw",),
    "vethlab.bench_userclient": ("vethlab.bench.userclient",),
}


def _forwarding_module(old: str, new: tuple[str, ...]) -> types.ModuleType:
    modules = [importlib.import_module(name) for name in new]
    module = types.ModuleType(old, f"Moved in vethlab 0.2.0 to {', '.join(new)}.")
    module.__all__ = [name for m in modules for name in getattr(m, "__all__", ())]

    def __getattr__(name: str):
        for m in modules:
            if hasattr(m, name):
                return getattr(m, name)
        raise AttributeError(
            f"module {old!r} has no attribute {name!r} (moved to {', '.join(new)})"
        )

    module.__getattr__ = __getattr__
    module.__dir__ = lambda: sorted({n for m in modules for n in dir(m)})
    return module


def _caller_stacklevel() -> int:
    """How far up the stack the code that imported the old path is (past importlib's frames),
    so that the warning points at the learner's line, where Python shows it."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (
        frame.f_code.co_filename.startswith("<frozen importlib")
        or frame.f_code.co_filename == __file__
    ):
        frame, level = frame.f_back, level + 1
    return level


class _MovedLoader(importlib.abc.Loader):
    def create_module(self, spec):
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {' and '.join(new)} in vethlab 0.2.0; "
            f"the old path goes away in 0.3.0",
            DeprecationWarning,
            stacklevel=_caller_stacklevel(),
        )
        return _forwarding_module(spec.name, new)

    def exec_module(self, module) -> None:
        pass


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.machinery.ModuleSpec(fullname, _MovedLoader())
        return None


def install() -> None:
    """Let the old paths import (once per interpreter)."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
