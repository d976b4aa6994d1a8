"""Pictures of the model's state, drawn with matplotlib: each function takes an ``ax``, draws
from the model's own objects (the layout, the pool, the host stack's writes, the question's
readings), and returns the ``ax`` with a small record of what it drew in ``ax.vethlab``, so
tests can check the structure of a picture without looking at pixels.

``style``       the shared palette and the provenance labels (every picture uses it)
"""

from .style import COLORS, PROVENANCE, PROVENANCE_COLORS  # noqa: F401

__all__ = ["COLORS", "PROVENANCE", "PROVENANCE_COLORS"]
