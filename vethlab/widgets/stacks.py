"""Every stack side by side: one requested size, one frame, and what each stack made of them.

``stack_comparison()`` asks every stack of :mod:`vethlab.stacks` (the NDK pool, netmap,
AF_XDP, DPDK, sk_buff, mbufs) for buffers of the requested size, in each stack's own terms
(netmap's ``buf_size``, AF_XDP's ``chunk_size``, DPDK's ``data_room_size``, the size given to
``alloc_skb`` and to ``m_get2``), and shows, for each: the buffer size it recorded, the
stride, the headroom, the bytes a frame can use, where buffer i's first data byte is and
whether the frame fits; or the stack's refusal with its own error (AF_XDP's ``-EINVAL``
below 2048). The picture is :func:`vethlab.pictures.stacks.draw_stacks_side_by_side`.

FreeBSD's row is a driver's receive buffer: ``m_get2`` then ``m_adj(m, ETHER_ALIGN)``, so its
first data byte is 2 bytes in (``COMPARISON_OPTIONS``). The other stacks use their defaults.

``widget.vethlab_state`` holds the last redraw: the controls' values, one row per stack
(``rows``), and what the picture drew (``picture``).
"""

from __future__ import annotations

import ipywidgets as widgets

from vethlab.pictures.stacks import draw_stacks_side_by_side, provenance_lines
from vethlab.pictures.style import color
from vethlab.stacks import STACKS, StackError, plan_request
from vethlab.widgets.canvas import FigureImage, escape, finish, watch

__all__ = [
    "stack_comparison",
    "compare_stacks",
    "comparison_html",
    "COMPARISON_OPTIONS",
    "COMPARISON_BUFFERS",
    "SCREEN_WIDTH_PX",
]

#: Options beyond the request, per stack: a FreeBSD driver's m_adj(m, ETHER_ALIGN).
COMPARISON_OPTIONS = {"mbuf": {"adj": 2}}
#: Buffers each stack is asked for (a buffer index slider goes up to this minus one).
COMPARISON_BUFFERS = 8
#: How wide the picture is on screen; it is rendered at twice that, so it stays crisp on a
#: high-density screen.
SCREEN_WIDTH_PX = 864  # the width every notebook dashboard's picture has on screen
_SCREEN_HEIGHT_PX = 518


def compare_stacks(buffer_size: int, frame_length: int, index: int = 1) -> dict:
    """Every stack asked for ``buffer_size`` (its own terms) and ``COMPARISON_BUFFERS``
    buffers: ``{"layouts": {name: layout or StackError}, "rows": [...]}``, a row per stack
    with the shared sizes, buffer ``index``'s first data byte and whether a
    ``frame_length``-byte frame fits, or the refusal."""
    layouts, rows = {}, []
    for name, module in STACKS.items():
        try:
            layout = plan_request(
                name, buffer_size, COMPARISON_BUFFERS, **COMPARISON_OPTIONS.get(name, {})
            )
        except StackError as error:
            layouts[name] = error
            rows.append(
                {
                    "stack": name,
                    "title": module.TITLE,
                    "request": module.REQUEST,
                    "refused": error.reason,
                    "call": error.call,
                    "returns": error.returns,
                    "errno": error.errno,
                    "where": error.source.where,
                }
            )
            continue
        layouts[name] = layout
        rows.append(
            {
                "stack": name,
                "title": module.TITLE,
                "request": module.REQUEST,
                "refused": None,
                "buffer_size": layout.buffer_size,
                "buffer_size_name": module.BUFFER_SIZE,
                "stride": layout.stride,
                "headroom": layout.headroom,
                "usable_size": layout.usable_size,
                "first_data_offset": layout.first_data_offset,
                "first_data_byte": module.address(layout, index),
                "fits": frame_length <= layout.usable_size,
                "short_by": max(frame_length - layout.usable_size, 0),
                "sources": provenance_lines(layout, ("buffer_size", "stride", "first_data_offset")),
            }
        )
    return {"layouts": layouts, "rows": rows}


def comparison_html(rows: list[dict], index: int, frame_length: int) -> str:
    """The rows as an HTML table: one line per stack, its refusal in the wrong-read colour."""
    head = (
        "<tr><th>stack</th><th>asked as</th><th>buffer size</th><th>stride</th>"
        f"<th>headroom</th><th>usable</th><th>buffer {index}'s first data byte</th>"
        f"<th>a {frame_length}-byte frame</th></tr>"
    )
    lines = []
    for r in rows:
        name = f"<b>{escape(r['stack'])}</b>"
        asked = f"<code>{escape(r['request'])}</code>"
        if r["refused"]:
            lines.append(
                f"<tr><td>{name}</td><td>{asked}</td><td colspan=6 style='color:"
                f"{color('wrong_read')}'>refused: <code>{escape(r['call'])}</code> returns "
                f"<code>{escape(r['returns'])}</code>: {escape(r['refused'])}</td></tr>"
            )
            continue
        fits = (
            f"<span style='color:{color('right_read')}'>fits</span>"
            if r["fits"]
            else f"<span style='color:{color('wrong_read')}'>{r['short_by']} bytes do not fit"
            "</span>"
        )
        lines.append(
            f"<tr><td>{name}</td><td>{asked}</td>"
            f"<td>{r['buffer_size']} <small>({escape(r['buffer_size_name'])})</small></td>"
            f"<td>{r['stride']}</td><td>{r['headroom']}</td><td>{r['usable_size']}</td>"
            f"<td>{r['first_data_byte']:,} (buffer + {r['first_data_offset']})</td>"
            f"<td>{fits}</td></tr>"
        )
    sources = "".join(
        f"<li><b>{escape(r['stack'])}</b> {escape(key)}: {escape(label)}, "
        f"<code>{escape(where)}</code></li>"
        for r in rows
        if not r["refused"]
        for label, key, where in r["sources"]
    )
    return (
        "<table style='border-collapse:collapse;font-size:12px'>"
        + head
        + "".join(lines)
        + "</table>"
        + "<details style='font-size:11px'><summary>where each value comes from</summary>"
        + f"<ul>{sources}</ul></details>"
    )


def stack_comparison(
    *, buffer_size: int = 1600, frame_length: int = 1514, index: int = 1
) -> widgets.VBox:
    """The requested size, the frame length and a buffer index; every stack's answer as a
    table and as strips on one byte scale. ``vethlab_controls``: buffer_size,
    frame_length, index; ``vethlab_state``: see the module docstring."""
    figure = FigureImage((SCREEN_WIDTH_PX, _SCREEN_HEIGHT_PX))  # rendered at 2x (canvas.SCALE)
    figure.figure.subplots_adjust(left=0.1, right=0.99, top=0.94, bottom=0.09)
    style = {"description_width": "12em"}
    wide = widgets.Layout(width="46em")
    controls = {
        "buffer_size": widgets.IntSlider(
            value=buffer_size,
            min=64,
            max=9216,
            description="requested size",
            continuous_update=False,
            style=style,
            layout=wide,
        ),
        "frame_length": widgets.IntSlider(
            value=frame_length,
            min=60,
            max=9018,
            description="frame length",
            continuous_update=False,
            style=style,
            layout=wide,
        ),
        "index": widgets.IntSlider(
            value=index,
            min=0,
            max=COMPARISON_BUFFERS - 1,
            description="buffer i",
            continuous_update=False,
            style=style,
            layout=wide,
        ),
    }
    sentence = widgets.HTML()
    table = widgets.HTML()
    box = widgets.VBox([*controls.values(), sentence, table, figure.image])
    state: dict = {}

    def update(_change=None):
        size = controls["buffer_size"].value
        frame = controls["frame_length"].value
        i = controls["index"].value
        found = compare_stacks(size, frame, i)
        ax = figure.axes()
        draw_stacks_side_by_side(
            ax, found["layouts"], count=max(3, i + 1), frame_length=frame, highlight=i
        )
        figure.show()
        refused = [r["stack"] for r in found["rows"] if r["refused"]]
        short = [r["stack"] for r in found["rows"] if not r["refused"] and not r["fits"]]
        state.clear()
        state.update(
            buffer_size=size,
            frame_length=frame,
            index=i,
            rows=found["rows"],
            picture=ax.vethlab,
            refused=refused,
            short=short,
            png_size=figure.figure.canvas.get_width_height(),
        )
        parts = [f"A request of {size} bytes and a {frame}-byte frame."]
        if refused:
            parts.append(f"Refused by {', '.join(refused)}.")
        if short:
            parts.append(f"Too small for the frame in {', '.join(short)}.")
        sentence.value = escape(" ".join(parts))
        table.value = comparison_html(found["rows"], i, frame)

    watch(controls, update)
    return finish(box, controls, state, figure.figure, figure.image)
