"""Options shared by several commands."""

from __future__ import annotations

import argparse

from vethlab.model.machine import PROFILES, SEGMENT_SIZES


def machine_options(p: argparse.ArgumentParser) -> None:
    """``--profile``, ``--segment-size``, ``--seed``: which simulated Mac, booted how."""
    p.add_argument("--profile", choices=sorted(PROFILES), default="apple-silicon",
                   help="the kind of Mac (default: apple-silicon)")
    p.add_argument("--segment-size", type=int, choices=SEGMENT_SIZES, default=None,
                   help="buffer segment size drawn at boot: 65536 or 81920 (default: drawn from --seed)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated boot (default 0)")
