"""ipywidgets dashboards built on ``vethlab.pictures``: each builder returns a widget and keeps
what it drew inspectable (``widget.vethlab_state``, ``widget.vethlab_controls``), so pytest can
move a control like a learner would and check the result without a browser.

``pool_explorer``   a pool's parameters -> its memory map and offset errors (notebook 03)
``question``        the question's sliders: requested size, profile, segment (notebook 01)
"""

from .pool_explorer import pool_explorer  # noqa: F401

__all__ = [
    "pool_explorer",
]
