"""ipywidgets dashboards built on ``vethlab.pictures``: each builder returns a widget and keeps
what it drew inspectable (``widget.vethlab_state``, ``widget.vethlab_controls``), so pytest can
move a control like a learner would and check the result without a browser.

``pool_explorer``   a pool's parameters -> its memory map and offset errors (notebook 03)
``question``        the question's sliders: requested size, profile, segment (notebook 01)
``buffer_anatomy``  one packet's headroom, data offset and length -> where each formula lands (04)
``mapping_explorer`` PoolFlagMapToDext, CreateMapping offset/length, 4 vs 16 KiB pages (05)
``userclient``      GetPacket's struct under a frame-length slider, and the leak (02)
``queues``          a burst of pings through the four queues, one dispatch block at a time (06)
"""

from .buffer_anatomy import buffer_anatomy  # noqa: F401
from .mapping_explorer import mapping_explorer  # noqa: F401
from .pool_explorer import pool_explorer  # noqa: F401
from .question import question_sliders  # noqa: F401
from .queues import queue_stepper  # noqa: F401
from .userclient import leak_explorer, struct_explorer  # noqa: F401

__all__ = [
    "buffer_anatomy",
    "leak_explorer",
    "mapping_explorer",
    "pool_explorer",
    "question_sliders",
    "queue_stepper",
    "struct_explorer",
]
