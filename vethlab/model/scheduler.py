"""Deterministic dispatch: serial queues of blocks, and one scheduler per Mac (modelled).

On a Mac, dispatch queues run their blocks on threads whenever the system likes. vethlab runs
them only when asked, one block at a time, so that a notebook can stop between any two steps
and look. Two kinds of queue are built on the one :class:`SerialQueue` here:

* a dext's ``IODispatchQueue`` (:mod:`vethlab.driverkit.dispatch`) belongs to its Mac's
  :class:`Scheduler`, which runs the blocks of all of them round robin (``step()``, ``run()``);
* an app's ``dispatch_queue_t`` (:mod:`vethlab.iokit`) runs its blocks when the app drains it.

The order is vethlab's choice (modelled); on a Mac, threads decide.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable

__all__ = ["SerialQueue", "Scheduler", "scheduler_of"]


class SerialQueue:
    """Blocks run one at a time, oldest first. ``ran`` counts the blocks run."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._blocks: deque[tuple[str, Callable[[], object]]] = deque()
        self.ran = 0

    def add_block(self, block: Callable[[], object], label: str = "block") -> None:
        self._blocks.append((label, block))

    @property
    def pending(self) -> int:
        """Blocks waiting to run."""
        return len(self._blocks)

    def run_one(self) -> bool:
        """Run the oldest block; say whether there was one."""
        if not self._blocks:
            return False
        label, block = self._blocks.popleft()
        self.ran += 1
        self.ran_block(label)
        block()
        return True

    def ran_block(self, label: str) -> None:
        """Hook: a block called ``label`` is about to run."""

    def drain(self, limit: int | None = None) -> int:
        """Run blocks (those they queue too) until none is left or ``limit`` have run; return
        how many ran."""
        ran = 0
        while (limit is None or ran < limit) and self.run_one():
            ran += 1
        return ran


class Scheduler:
    """Runs the blocks of every dispatch queue of one Mac, one at a time, round robin.

    ``step()`` runs one block and says whether there was one; ``run()`` runs until nothing is
    left. Blocks may queue more blocks; they run in a later step.
    """

    def __init__(self) -> None:
        self.queues: list[SerialQueue] = []
        self._next = 0
        self.steps = 0
        self.trace: deque[str] = deque(maxlen=256)  # the last blocks run, for notebooks

    def add(self, queue: SerialQueue) -> None:
        self.queues.append(queue)

    @property
    def idle(self) -> bool:
        return not any(q.pending for q in self.queues)

    def pending(self) -> dict[str, int]:
        """Blocks waiting, by dispatch queue name."""
        return {q.name: q.pending for q in self.queues if q.pending}

    def step(self) -> bool:
        """Run one block of the next dispatch queue that has one (round robin)."""
        n = len(self.queues)
        for i in range(n):
            queue = self.queues[(self._next + i) % n]
            if queue.pending:
                self._next = (self._next + i + 1) % n
                queue.run_one()
                return True
        return False

    def run(self, max_steps: int = 1_000_000) -> int:
        """Run blocks until none is left; return how many ran. Raises RuntimeError after
        ``max_steps`` (a livelock: handlers that keep queueing each other)."""
        ran = 0
        while self.step():
            ran += 1
            if ran >= max_steps:
                raise RuntimeError(
                    f"dispatch did not settle after {max_steps} blocks: "
                    f"{self.pending()} still pending"
                )
        return ran


_SCHEDULERS: weakref.WeakKeyDictionary[object, Scheduler] = weakref.WeakKeyDictionary()


def scheduler_of(mac) -> Scheduler:
    """The one scheduler of ``mac`` (made on first use)."""
    scheduler = _SCHEDULERS.get(mac)
    if scheduler is None:
        scheduler = _SCHEDULERS[mac] = Scheduler()
    return scheduler
