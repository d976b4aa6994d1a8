"""Pictures of the model's state, drawn with matplotlib: each function takes an ``ax``, draws
from the model's own objects (the layout, the pool, the host stack's writes, the question's
readings), and returns the ``ax`` with a small record of what it drew in ``ax.vethlab``, so
tests can check the structure of a picture without looking at pixels.

``style``       the colour language: one table of roles to colours (every picture uses it)
``legend``      provenance badges under a figure, and the key to the five labels
``labels``      labels that would overlap move or are dropped
``hatch``       one hatch over many shapes, drawn once
``memory_map``  the pool's buffers, what their bytes hold, and where reads landed
``offsets``     each packet's offset error: where a method read against where the frame is
``hexdump``     hex dumps with coloured regions (headroom, frame fields, stale bytes)
``anatomy``     one buffer byte by byte, and where the three address formulas land
``mappings``    a descriptor and its mappings in two tasks; pages, links, simulated faults
``userclient``  the user client's states, app/dext call sequence, GetPacket struct, designs
``queues``      where every packet is: the four queues, the moves between places, occupancy
``stacks``      any stack of ``vethlab.stacks``: its memory map, one stride, its classic bug
``drift``       the code's ruler (i × requested) against the buffers' (i × real)
``size_rule``   XNU's size rule as steps, and the segment each bufferCount gets
``misread``     one misread packet in two hex lines: what was read, and its real frame
"""

from vethlab.pictures.anatomy import draw_buffer_anatomy
from vethlab.pictures.drift import draw_drift
from vethlab.pictures.hexdump import (
    draw_hexdump,
    first_junk_packet,
    hexdump_text,
    pool_dump,
    reading_dumps,
)
from vethlab.pictures.legend import add_provenance_notes, draw_colour_key, draw_provenance_key
from vethlab.pictures.mappings import draw_mappings
from vethlab.pictures.memory_map import draw_memory_map
from vethlab.pictures.misread import draw_misread_hexdump, misread_result
from vethlab.pictures.offsets import draw_offset_errors
from vethlab.pictures.queues import draw_occupancy, draw_queues, draw_states
from vethlab.pictures.size_rule import draw_size_rule
from vethlab.pictures.stacks import (
    draw_stack_anatomy,
    draw_stack_key,
    draw_stack_memory_map,
    draw_stack_offset_errors,
    draw_stacks_side_by_side,
)
from vethlab.pictures.style import COLORS, PROVENANCE, PROVENANCE_COLORS, ROLES, color
from vethlab.pictures.userclient import (
    draw_call_sequence,
    draw_design_comparison,
    draw_output_struct,
    draw_state_machine,
)

__all__ = [
    "COLORS",
    "PROVENANCE",
    "PROVENANCE_COLORS",
    "ROLES",
    "color",
    "add_provenance_notes",
    "draw_buffer_anatomy",
    "draw_call_sequence",
    "draw_colour_key",
    "draw_design_comparison",
    "draw_drift",
    "draw_hexdump",
    "draw_mappings",
    "draw_memory_map",
    "draw_misread_hexdump",
    "draw_occupancy",
    "draw_offset_errors",
    "draw_output_struct",
    "draw_provenance_key",
    "draw_queues",
    "draw_stack_anatomy",
    "draw_stack_key",
    "draw_stack_memory_map",
    "draw_stack_offset_errors",
    "draw_stacks_side_by_side",
    "draw_size_rule",
    "draw_state_machine",
    "draw_states",
    "first_junk_packet",
    "hexdump_text",
    "misread_result",
    "pool_dump",
    "reading_dumps",
]
