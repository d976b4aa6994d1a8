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

Below the strips, the stack the ``stack`` dropdown names, on its own: one buffer's anatomy
(:func:`~vethlab.pictures.stacks.draw_stack_anatomy`, buffer i with the frame in it) beside its
classic bug's offset errors (:func:`~vethlab.pictures.stacks.draw_stack_offset_errors`), with
where each value comes from. A stack that refuses the request shows its refusal, with its own
error, in place of that picture. So the memory map, the anatomy and the offset errors of any
stack are a control away.

Laid out like every dashboard (:mod:`vethlab.widgets.canvas`): the controls in two rows above
the pictures, labels right-aligned in one column, the table compact, the whole of it within
JupyterLab at 1440×900 with the file browser open. The strips' key never changes: it is drawn
once, as a picture of its own right above the strips, and a move redraws the strips without it.

``widget.vethlab_state`` holds the last redraw: the controls' values, one row per stack
(``rows``), what the strips drew (``picture``), and for the chosen stack what its anatomy
and its offset errors drew (``anatomy``, ``offset_errors``, both None when it refused) and
its refusal (``stack_refused``).
"""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import offset_copy

from vethlab.pictures.stacks import (
    draw_stack_anatomy,
    draw_stack_key,
    draw_stack_offset_errors,
    draw_stacks_side_by_side,
    provenance_lines,
    stack_offset_errors,
)
from vethlab.pictures.style import color
from vethlab.stacks import STACKS, StackError, plan_request
from vethlab.widgets.canvas import FigureImage, control_rows, escape, finish, labelled, watch

__all__ = [
    "stack_comparison",
    "compare_stacks",
    "comparison_html",
    "COMPARISON_OPTIONS",
    "COMPARISON_BUFFERS",
    "SCREEN_WIDTH_PX",
    "KEY_PX",
    "STRIPS_PX",
    "STACK_PX",
]

#: Options beyond the request, per stack: a FreeBSD driver's m_adj(m, ETHER_ALIGN).
COMPARISON_OPTIONS = {"mbuf": {"adj": 2}}
#: Buffers each stack is asked for (a buffer index slider goes up to this minus one).
COMPARISON_BUFFERS = 8
#: How wide the picture is on screen; it is rendered at twice that, so it stays crisp on a
#: high-density screen.
SCREEN_WIDTH_PX = 864  # the width every notebook dashboard's picture has on screen
#: The pictures' sizes in CSS pixels: the strips' key (it never changes, so it is drawn once,
#: as a picture of its own), every stack's strips right under it, then the chosen stack's
#: anatomy beside its offset errors. With the controls, the sentence and the table above them
#: the dashboard fits JupyterLab at 1440×900 with the file browser open (779 visible pixels).
KEY_PX = (SCREEN_WIDTH_PX, 25)
STRIPS_PX = (SCREEN_WIDTH_PX, 191)
STACK_PX = (SCREEN_WIDTH_PX, 266)
#: CSS pixels between the top of the strips' picture and their axes: room for the numbers
#: over the first row. The key sits right above the axes, in its own picture.
STRIPS_TOP_PX = 5
#: Where matplotlib puts the x axis label of these pictures, in points under their axes: the
#: 2-point ticks, their 1-point pad, a line of 8-point tick labels and its 4-point label pad.
X_LABEL_BELOW_PT = 15


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


def _code(text) -> str:
    """``text`` as code at the size of the text around it (JupyterLab's code font is larger,
    and every pixel of the table's height counts)."""
    return f"<code style='font-size:inherit'>{escape(text)}</code>"


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
        asked = _code(r["request"])
        if r["refused"]:
            lines.append(
                f"<tr><td>{name}</td><td>{asked}</td><td colspan=6 style='color:"
                f"{color('wrong_read')}'>refused: {_code(r['call'])} returns "
                f"{_code(r['returns'])}: {escape(r['refused'])}</td></tr>"
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
    # Compact: one 15-pixel line per stack, so that the table, the strips and the chosen
    # stack's picture fit one laptop screen together.
    return (
        "<table style='border-collapse:collapse;font-size:11px;line-height:15px'>"
        + head
        + "".join(lines)
        + "</table>"
    )


def stack_html(row: dict, sources: list[tuple[str, str, str]]) -> str:
    """The chosen stack in words: its refusal with its own error, or where each value in its
    picture comes from (and its classic bug's report), one line each."""
    if row["refused"]:
        return (
            f"<div style='color:{color('wrong_read')};font-size:12px'><b>{escape(row['title'])}"
            f"</b> refuses {_code(row['request'])}: {_code(row['call'])} returns "
            f"{_code(row['returns'])}: {escape(row['refused'])} ({_code(row['where'])})</div>"
        )
    lines = " · ".join(
        f"{escape(label)} ({escape(key)}): {_code(where)}" for label, key, where in sources
    )
    return f"<div style='font-size:11px;line-height:14px'>{lines}</div>"


def _place_x_label(ax) -> None:
    """Put ``ax``'s x axis label where matplotlib would, once: centred, ``X_LABEL_BELOW_PT``
    under the axes. Left to itself, matplotlib measures every tick label at each draw to keep
    the label clear of them; the tick labels here are numbers, always one line as tall."""
    under = offset_copy(ax.transAxes, fig=ax.figure, y=-X_LABEL_BELOW_PT, units="points")
    ax.xaxis.set_label_coords(0.5, 0.0, transform=under)


def stack_comparison(
    *, buffer_size: int = 1600, frame_length: int = 1514, index: int = 1, stack: str = "dpdk"
) -> widgets.VBox:
    """The requested size, the frame length, a buffer index and one stack; every stack's
    answer as a table and as strips on one byte scale, and the chosen stack's buffer i
    region by region beside its classic bug's offset errors. ``vethlab_controls``:
    buffer_size, frame_length, index, stack; ``vethlab_state``: see the module docstring."""
    strips = FigureImage(STRIPS_PX)  # rendered at 2x (canvas.SCALE)
    # Room on the left for the stacks' names, 43 pixels below for the byte axis.
    strips.figure.subplots_adjust(
        left=0.1, right=0.99, top=1 - STRIPS_TOP_PX / STRIPS_PX[1], bottom=43 / STRIPS_PX[1]
    )
    _place_x_label(strips.axes())
    # The strips' y label is empty (their rows are named by the tick labels): placed anywhere
    # by hand, it too stops matplotlib measuring the tick labels at each draw.
    strips.axes().yaxis.set_label_coords(0.0, 0.5)
    # The strips' key never changes: it is drawn once, into a picture of its own right above
    # the strips, where draw_stacks_side_by_side would put it: above an axes as wide as the
    # strips' axes, whose top is STRIPS_TOP_PX under this picture (the strips' axes' top).
    key = FigureImage(KEY_PX, axes=False)
    key_ax = key.figure.add_axes((0.1, 0.0, 0.89, 1.0))
    key_ax.set_axis_off()
    draw_stack_key(key_ax, y=-STRIPS_TOP_PX / KEY_PX[1])
    key.show()
    # No gap between the key and the strips (JupyterLab puts 2 pixels around every widget),
    # so that the two pictures read as one.
    key.image.layout.margin = "2px 2px 0 2px"
    strips.image.layout.margin = "0 2px 2px 2px"
    chosen = FigureImage(STACK_PX, axes=False)
    # The anatomy across the top (it needs the width for its region names); the offset errors
    # below it on the left, their key on the right, with room for the axis labels.
    anatomy_ax = chosen.figure.add_axes((0.01, 0.41, 0.98, 0.525))
    errors_ax = chosen.figure.add_axes((0.08, 0.14, 0.27, 0.2))
    # Every control changes the anatomy; the offset errors below it change with the stack and
    # the requested size only, and are kept as the picture's background (FigureImage.render).
    anatomy_ax.set_animated(True)
    _place_x_label(errors_ax)  # its y label stays matplotlib's: the tick labels' width varies
    controls = {
        "buffer_size": labelled(
            widgets.IntSlider(value=buffer_size, min=64, max=9216, continuous_update=False),
            "requested size",
        ),
        "frame_length": labelled(
            widgets.IntSlider(value=frame_length, min=60, max=9018, continuous_update=False),
            "frame length",
        ),
        "index": labelled(
            widgets.IntSlider(
                value=index, min=0, max=COMPARISON_BUFFERS - 1, continuous_update=False
            ),
            "buffer i",
        ),
        "stack": labelled(widgets.Dropdown(options=list(STACKS), value=stack), "stack"),
    }
    sentence = widgets.HTML()
    table = widgets.HTML()
    about = widgets.HTML()
    box = widgets.VBox(
        [
            control_rows(
                [controls["buffer_size"], controls["frame_length"]],
                [controls["index"], controls["stack"]],
            ),
            sentence,
            table,
            key.image,
            strips.image,
            chosen.image,
            about,
        ]
    )
    # The pictures a move can change (the key cannot), and every figure.
    box.vethlab_images = (strips.image, chosen.image)
    box.vethlab_figures = (strips.figure, chosen.figure, key.figure)
    state: dict = {}
    shown = {"errors": None}  # what the offset errors picture shows now

    def update(change=None):
        size = controls["buffer_size"].value
        frame = controls["frame_length"].value
        i = controls["index"].value
        name = controls["stack"].value
        found = compare_stacks(size, frame, i)
        moved = None if change is None else change["owner"]  # None: the first picture
        # The stack dropdown changes only the lower picture: the strips stay as they are.
        if moved is not controls["stack"]:
            ax = strips.axes()
            draw_stacks_side_by_side(
                ax,
                found["layouts"],
                count=max(3, i + 1),
                frame_length=frame,
                highlight=i,
                key=False,  # the key is a picture of its own, above the strips
            )
            strips.show()
            state["picture"] = ax.vethlab
        row = next(r for r in found["rows"] if r["stack"] == name)
        layout = found["layouts"][name]
        if isinstance(layout, StackError):
            chosen.hide()  # the refusal, in words, takes its place
            shown["errors"] = None
            anatomy, errors, sources = None, None, []
        else:
            draw_stack_anatomy(anatomy_ax, layout, index=i, frame_length=frame, sources=False)
            # The offset errors picture shows the stack's classic bug's errors and the stack's
            # names, nothing else: the same errors (another frame length or buffer index, or a
            # size the bug misses by as much, as DPDK's does) leave it as it is.
            record = stack_offset_errors(layout, count=COMPARISON_BUFFERS)
            errors_now = (record["stack"], tuple(record["errors"]))
            errors_change = errors_now != shown["errors"]
            if not errors_change:
                errors_ax.vethlab = record  # the same picture; the offsets are this size's
            else:
                shown["errors"] = errors_now
                draw_stack_offset_errors(errors_ax, layout, count=COMPARISON_BUFFERS, sources=False)
                if not errors_ax.vethlab["off_the_chart"]:
                    # Three ticks, not six: the plot is 58 pixels tall.
                    errors_ax.yaxis.set_major_locator(MaxNLocator(3, integer=True))
                # The key beside the plot, not below it: the picture has no height to spare.
                key = errors_ax.get_legend()
                key.set_bbox_to_anchor((1.04, 1.0), transform=errors_ax.transAxes)
            chosen.show(background=errors_change)
            anatomy, errors = anatomy_ax.vethlab, errors_ax.vethlab
            sources = anatomy["provenance"]
        refused = [r["stack"] for r in found["rows"] if r["refused"]]
        short = [r["stack"] for r in found["rows"] if not r["refused"] and not r["fits"]]
        state.update(
            buffer_size=size,
            frame_length=frame,
            index=i,
            stack=name,
            rows=found["rows"],
            refused=refused,
            short=short,
            anatomy=anatomy,
            offset_errors=errors,
            stack_refused=row["refused"],
            png_size=strips.figure.canvas.get_width_height(),
        )
        parts = [f"A request of {size} bytes and a {frame}-byte frame."]
        if refused:
            parts.append(f"Refused by {', '.join(refused)}.")
        if short:
            parts.append(f"Too small for the frame in {', '.join(short)}.")
        sentence.value = escape(" ".join(parts))
        table.value = comparison_html(found["rows"], i, frame)
        about.value = stack_html(row, sources)

    watch(controls, update)
    return finish(box, controls, state, strips.figure, strips.image)
