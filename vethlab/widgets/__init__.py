"""ipywidgets dashboards built on ``vethlab.pictures``: each builder returns a widget and keeps
what it drew inspectable (``widget.vethlab_state``, ``widget.vethlab_controls``), so pytest can
move a control like a learner would and check the result without a browser.

``pool_explorer``   a pool's parameters -> its memory map and offset errors (notebook 03)
``question``        the question's sliders: requested size, profile, segment (notebook 01)
``buffer_anatomy``  one packet's headroom, data offset and length -> where each formula lands (04)
``mapping_explorer`` PoolFlagMapToDext, CreateMapping offset/length, 4 vs 16 KiB pages (05)
``userclient``      GetPacket's struct under a frame-length slider, and the leak (02)
``queues``          a burst of pings through the four queues, one dispatch block at a time (06)
``stacks``          one requested size and one frame on every zero-copy stack, side by side (10)
"""

from vethlab.widgets.buffer_anatomy import buffer_anatomy
from vethlab.widgets.mapping_explorer import mapping_explorer
from vethlab.widgets.pool_explorer import pool_explorer
from vethlab.widgets.question import question_sliders
from vethlab.widgets.queues import queue_stepper
from vethlab.widgets.stacks import stack_comparison
from vethlab.widgets.userclient import leak_explorer, struct_explorer

__all__ = [
    "buffer_anatomy",
    "leak_explorer",
    "mapping_explorer",
    "pool_explorer",
    "question_sliders",
    "queue_stepper",
    "stack_comparison",
    "struct_explorer",
]
