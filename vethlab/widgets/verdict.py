"""The dashboards' verdict on a set of reads: right, early, or wrong, each in its own colour.

A read is judged twice: against its own packet's buffer (the *slot*: did the code find the
right buffer?) and against the frame's first byte (did it find the frame?). That gives three
states, and a dashboard never calls a read right that the picture marks wrong:

=========  ========================================  ==========================
state      slots                  frames            colour (pictures style role)
=========  ========================================  ==========================
right      every read in its own buffer, on the frame          ``right_read``
early      every read on its buffer's first byte, but the      ``early_read``
           headroom / data offset short of the frame
wrong      some read in another buffer, segment or nowhere     ``wrong_read``
=========  ========================================  ==========================
"""

from __future__ import annotations

from vethlab.pictures.style import COLORS
from vethlab.widgets.canvas import escape

__all__ = ["VERDICT_COLORS", "read_verdict", "verdict_html", "missed_segments", "ranges_text"]

VERDICT_COLORS = {
    "right": COLORS["right_read"],
    "early": COLORS["early_read"],
    "wrong": COLORS["wrong_read"],
}
#: A sign beside the colour, so that the verdict does not rest on colour alone.
_MARKS = {"right": "✔", "early": "◐", "wrong": "✘"}


def read_verdict(slot_errors, offset_errors) -> str:
    """ "right", "early" or "wrong" for reads with these errors (bytes, None: not in the pool).

    ``slot_errors``: where each read landed minus its own buffer's first byte;
    ``offset_errors``: where it landed minus the frame's first byte."""
    if offset_errors and all(e == 0 for e in offset_errors):
        return "right"
    if slot_errors and all(e == 0 for e in slot_errors):
        return "early"
    return "wrong"


def verdict_html(kind: str, text: str) -> str:
    """The verdict sentence, bold, in its state's colour, after its state's sign."""
    return f"<b style='color:{VERDICT_COLORS[kind]}'>{_MARKS[kind]} {escape(text)}</b>"


def ranges_text(numbers) -> str:
    """Sorted integers as short ranges: [16, 17, 18, 20] -> "16–18, 20"."""
    numbers = sorted(numbers)
    parts, start = [], None
    for k, n in enumerate(numbers):
        if start is None:
            start = n
        if k + 1 == len(numbers) or numbers[k + 1] != n + 1:
            parts.append(str(start) if start == n else f"{start}–{n}")
            start = None
    return ", ".join(parts)


def missed_segments(layout, indices, slot_errors) -> dict[int, list[int]]:
    """The packets read in the wrong buffer, by the segment their own buffer is in."""
    found: dict[int, list[int]] = {}
    for index, error in zip(indices, slot_errors, strict=True):
        if error != 0:
            found.setdefault(layout.segment_of(index), []).append(index)
    return found
