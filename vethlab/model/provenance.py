"""Where each rule of the simulation comes from: five labels, one meaning each.

Every behaviour vethlab simulates carries one of these labels, in the data (a move table's
``provenance``), in docstrings, in the pictures and in the notebooks, so that a learner never
takes vethlab's choice for Apple's behaviour. Only "documented" is Apple's word.

==========  =====================================================================================
documented  Apple's documentation or SDK headers say so
source      the open source code of the system concerned does it: XNU, IOKitUser, Apple's
            published samples (that DriverKit's closed part goes through XNU's code is said in
            words where it matters, not as a label)
observed    driver authors measured it on real Macs
reported    only the question says so; nothing else confirms it
modelled    vethlab's choice where the truth is unknown
==========  =====================================================================================
"""

from __future__ import annotations

__all__ = ["LABELS", "MEANING", "check_label"]

#: The five labels, from Apple's own word to vethlab's choice.
LABELS = ("documented", "source", "observed", "reported", "modelled")

MEANING = {
    "documented": "Apple's documentation or SDK headers say so",
    "source": "the system's own open source code does it (XNU, IOKitUser, Apple's samples)",
    "observed": "driver authors measured it on real Macs",
    "reported": "only the question says so; nothing else confirms it",
    "modelled": "vethlab's choice where the truth is unknown",
}


def check_label(label: str) -> str:
    """``label`` if it is one of the five; a ValueError naming them if not."""
    if label not in MEANING:
        raise ValueError(f"provenance label {label!r} is unknown; allowed: {', '.join(LABELS)}")
    return label
