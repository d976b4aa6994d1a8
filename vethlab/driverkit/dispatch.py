"""IODispatchQueue and IODataQueueDispatchSource: DriverKit's serial queues and doorbells.

Blocks queued on an :class:`IODispatchQueue` run when its Mac's
:class:`~vethlab.model.scheduler.Scheduler` says so, one at a time, so a notebook can stop
between any two steps.

Provenance: the class and method names are documented; the doorbell being edge-triggered is
observed (driver authors); what exactly makes the edge is modelled.
"""

from __future__ import annotations

from collections.abc import Callable

from vethlab.driverkit.service import OSAction, OSObject
from vethlab.ioreturn import BadArgument
from vethlab.model.cint import uint64
from vethlab.model.scheduler import SerialQueue, scheduler_of

__all__ = ["IODispatchQueue", "IODataQueueDispatchSource"]


class IODispatchQueue(SerialQueue, OSObject):
    """A serial queue of blocks (``IODispatchQueue``), run by its Mac's scheduler."""

    def __init__(self, name: str, mac) -> None:
        super().__init__(name)
        self.mac = mac
        self.scheduler = scheduler_of(mac)
        self.scheduler.add(self)

    @classmethod
    def Create(cls, name: str, options: int = 0, priority: int = 0, *, mac) -> IODispatchQueue:
        """``IODispatchQueue::Create(name, options, priority, &queue)`` on ``mac``."""
        if not isinstance(name, str) or not name:
            raise BadArgument(f"dispatch queue name {name!r} is not a non-empty string")
        return cls(name, mac)

    def DispatchAsync(self, block: Callable[[], object], label: str = "block") -> None:
        """Queue ``block``; it runs in a later scheduler step."""
        self.add_block(block, label)

    def DispatchSync(self, block: Callable[[], object]):
        """Run ``block`` now (on a serial queue nothing else runs meanwhile) and return its
        result."""
        return block()

    def ran_block(self, label: str) -> None:
        self.scheduler.steps += 1
        self.scheduler.trace.append(f"{self.name}: {label}")

    def __repr__(self) -> str:
        return f"<IODispatchQueue {self.name!r}: {self.pending} pending>"


class IODataQueueDispatchSource(OSObject):
    """The doorbell of a packet queue: runs the consumer's data-available handler.

    Edge-triggered (observed): the handler is queued when the packet queue goes from empty
    to non-empty, once. Packets added while the queue is not empty ring nothing, so a
    consumer that leaves packets behind must come back by itself (drain again after
    completions, or ``requestDequeue``). ``rung`` counts handler runs queued, ``silent``
    counts arrivals that rang nothing.
    """

    def __init__(self, queue, dispatch: IODispatchQueue) -> None:
        self.queue = queue
        self.dispatch = dispatch
        self.handler: OSAction | None = None
        self.enabled = True
        self.rung = 0
        self.silent = 0
        self._armed_pending = False  # a handler run is queued and has not started yet

    @classmethod
    def Create(
        cls, queueByteCount: int, dispatchQueue: IODispatchQueue
    ) -> IODataQueueDispatchSource:
        """``IODataQueueDispatchSource::Create(queueByteCount, queue, &source)``: a doorbell
        not attached to a packet queue (vethlab's packet queues make their own)."""
        uint64("queueByteCount", queueByteCount, 1)
        return cls(None, dispatchQueue)

    def SetDataAvailableHandler(self, action: OSAction) -> None:
        """Run ``action`` (its method gets the action) when data becomes available."""
        if not isinstance(action, OSAction):
            raise BadArgument(f"action {action!r} is not an OSAction")
        self.handler = action

    def SetEnable(self, enable: bool) -> None:
        self.enabled = bool(enable)

    def IsDataAvailable(self) -> bool:
        return bool(self.queue is not None and self.queue.count)

    def _arrived(self, was_empty: bool) -> None:
        if not was_empty:
            self.silent += 1
            return
        self._ring()

    def _ring(self) -> None:
        if self.handler is None or not self.enabled or self.handler.cancelled:
            return
        if self._armed_pending:
            return  # one queued run serves every arrival before it starts
        self._armed_pending = True
        self.rung += 1
        handler = getattr(self.handler.target, self.handler.method)
        action = self.handler

        def run() -> None:
            self._armed_pending = False
            handler(action)

        self.handler.queue.DispatchAsync(run, label=self.handler.method)
