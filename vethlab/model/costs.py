"""What handing frames to an app costs, counted by event instead of timed (not Apple API).

Every :class:`~vethlab.model.memory.Mac` keeps one :class:`Costs` (``mac.costs``). Each counter
is defined here, once, by the simulated events that add to it; the code that simulates such an
event calls the counting method at that event, and nowhere else:

``crossings``      a call from an app enters the simulated kernel (``count_crossing``): the
                   kernel half of ``IOServiceOpen``, each ``IOConnectCall…Method``,
                   ``IOConnectMapMemory64``, ``IOServiceClose``. A call the app's IOKit refuses
                   before the kernel (a bad argument) does not cross.
``copies``         a run of bytes is copied from one buffer or address space to another
``bytes_copied``   (``count_copy(nbytes)``): the dext's ``memcpy`` into GetPacket's stack slot,
                   the kernel's copy of an inline structure into the dext (``OSData``) or out
                   to the app's buffer, a batch record written into the app's buffer, the app's
                   copy of a frame out of its mapping of the pool.
``notifications``  an ``AsyncCompletion`` message runs the app's callback on its dispatch queue
                   (``count_notification``).

Not counted: the host stack's write of a frame into its packet (the same for every design) and
what Python does to move bytes around; a frame an app reads in place in its own buffer (a
GetPacket output, a batch record) is not copied again. ``OSData::withBytes`` and the reply
that carries it to the app are counted as one copy, the inline copy-out.

Provenance: modelled. Which events count, and that each costs the same, are vethlab's choice; a
real Mac's costs also depend on sizes, caches and the scheduler. The counts are deterministic:
the same run gives the same numbers on every machine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["PER_FRAME_KEYS", "Costs"]

#: The keys of :meth:`Costs.per_frame`, in order.
PER_FRAME_KEYS = (
    "calls_per_frame",
    "copies_per_frame",
    "bytes_copied_per_frame",
    "notifications_per_frame",
)


@dataclass
class Costs:
    """The counts of one simulated Mac (modelled; see the module docstring for each event)."""

    crossings: int = 0
    copies: int = 0
    bytes_copied: int = 0
    notifications: int = 0

    def count_crossing(self) -> None:
        """A call from an app entered the kernel."""
        self.crossings += 1

    def count_copy(self, nbytes: int) -> None:
        """``nbytes`` bytes were copied from one buffer or address space to another."""
        self.copies += 1
        self.bytes_copied += int(nbytes)

    def count_notification(self) -> None:
        """A notification ran the app's callback."""
        self.notifications += 1

    def totals(self) -> dict[str, int]:
        return asdict(self)

    def per_frame(self, frames: int) -> dict[str, float | None]:
        """Each count divided by ``frames`` (the frames delivered), under
        :data:`PER_FRAME_KEYS`; ``None`` for each when no frame was delivered."""
        counts = (self.crossings, self.copies, self.bytes_copied, self.notifications)
        return {
            key: (count / frames if frames else None) for key, count in zip(PER_FRAME_KEYS, counts)
        }
