"""Whole runs: boot a Mac, start the question's dext, open the app, send frames through."""

from __future__ import annotations

from dataclasses import dataclass

from vethlab.handoff.app import DESIGNS, QuestionApp
from vethlab.handoff.stack_slot import DEFAULT_GUARD
from vethlab.ioreturn import (
    kIOReturnSuccess,
)
from vethlab.model.cint import c_int
from vethlab.model.memory import Mac
from vethlab.question.dext import PacketDext
from vethlab.wire.frames import APP, HOST, MAX_FRAME_LEN, mixed_frames, udp_datagram

__all__ = [
    "frame_of_length",
    "Delivery",
    "deliver",
    "compare_designs",
    "design_costs",
]

_UDP_OVERHEAD = 14 + 20 + 8  # Ethernet, IPv4 and UDP headers
_MIN_FRAME = 60  # Ethernet's minimum without the FCS


def frame_of_length(length: int, index: int = 0) -> bytes:
    """A real UDP frame (host to app) of exactly ``length`` bytes (60 .. 9018), its payload
    repeating ``"frame <index> "`` so that stale copies show whose they were."""
    length = c_int("frame length", length, _MIN_FRAME, MAX_FRAME_LEN)
    unit = f"frame {index} ".encode()
    size = length - _UDP_OVERHEAD
    frame = udp_datagram(
        HOST, APP, 5000 + index % 1000, 5000, (unit * (size // len(unit) + 1))[:size]
    )
    assert len(frame) == length, (len(frame), length)
    return frame


@dataclass
class Delivery:
    """One run: the frames the host sent, what the app received, and the objects involved."""

    design: str
    sent: list[bytes]
    app: QuestionApp
    dext: PacketDext
    open_kr: int

    @property
    def received(self) -> list[bytes]:
        return self.app.received

    @property
    def identical(self) -> bool:
        """Every frame arrived, in order, byte for byte."""
        return self.received == self.sent

    @property
    def costs(self) -> dict[str, float | None]:
        """The run's counted costs per frame delivered (``vethlab.model.costs``, modelled):
        ``calls_per_frame``, ``copies_per_frame``, ``bytes_copied_per_frame``,
        ``notifications_per_frame``, from opening the app to closing it."""
        return self.dext.mac.costs.per_frame(len(self.received))


def deliver(
    frames=None,
    design: str = "per_packet",
    *,
    get_packet: str = "safe",
    address_method: str = "current_api",
    profile="apple-silicon",
    segment_size=None,
    seed: int = 0,
    quirk: bool = False,
    buffer_size: int = 9000,
    packets: int = 32,
    headroom: int = 8,
    data_offset: int | None = None,
    guard: int = DEFAULT_GUARD,
    entitlements: dict | None = None,
    close: bool = True,
) -> Delivery:
    """Boot a Mac, start the dext, open the app in ``design`` and send ``frames`` (default:
    64 mixed frames of standard sizes) through it, ``packets`` at a time."""
    if frames is None:
        frames = mixed_frames(64, seed=seed)
    frames = [bytes(f) for f in frames]
    mac = Mac(profile, segment_size, seed, requested_stride_quirk=quirk)
    dext = PacketDext(
        mac,
        buffer_size=buffer_size,
        packets=packets,
        get_packet=get_packet,
        address_method=address_method,
        guard=guard,
    )
    dext.Start()
    app = QuestionApp(dext, design, entitlements=entitlements)
    kr = app.open()
    if kr == kIOReturnSuccess:
        for start in range(0, len(frames), packets):
            if dext.crash is not None:
                break
            dext.transmit(
                frames[start : start + packets], headroom=headroom, data_offset=data_offset
            )
            app.run()
            if dext.pool.free_count < packets:  # the app left packets behind: stop here
                break
        if close:
            app.close()
    return Delivery(design, frames, app, dext, kr)


def compare_designs(frames=None, **options) -> dict[str, Delivery]:
    """The same frames through the three designs (``deliver`` options apply to each)."""
    return {design: deliver(frames, design, **options) for design in DESIGNS}


def design_costs(frames=None, **options) -> dict[str, dict[str, float | None]]:
    """The counted costs per frame delivered of each design, for the same ``frames`` (default:
    64 mixed frames of standard sizes) and ``deliver`` options: ``{design: {calls_per_frame,
    copies_per_frame, bytes_copied_per_frame, notifications_per_frame}}``. Deterministic."""
    return {design: run.costs for design, run in compare_designs(frames, **options).items()}
