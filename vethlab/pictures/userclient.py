"""Pictures of the user client: its states, the calls between app and dext, the output struct,
and the three designs' speeds. Each function takes an ``ax``, draws from the model's own
objects (the table of moves, a connection's trace, a GetPacket record, a benchmark's JSON) and
returns the ``ax`` with what it drew in ``ax.vethlab``.

``draw_state_machine(ax, state)``        states and moves of ``USER_CLIENT_MOVES``
``draw_call_sequence(ax, trace)``        the crossings of an app's trace, app on the left
``draw_output_struct(ax, record)``       the GetPacket_Output slot: who wrote each byte, what
                                         the overflow overwrote, what leaked
``draw_design_comparison(ax, result)``   frames per second of each design beside the bare loop
"""

from __future__ import annotations

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from matplotlib.path import Path
from matplotlib.ticker import FuncFormatter

from vethlab.driverkit.userclient import USER_CLIENT_MOVES, Trace, UserClientState
from vethlab.handoff.stack_slot import GetPacketRecord
from vethlab.handoff.structs import GET_PACKET_DATA_SIZE, GET_PACKET_OUTPUT_SIZE
from vethlab.ioreturn import IOReturnName
from vethlab.pictures.labels import keep_apart
from vethlab.pictures.legend import add_provenance_notes
from vethlab.pictures.style import COLORS, FONT_SIZE, MONO_FONT, TITLE_SIZE, style_axes

__all__ = [
    "draw_state_machine",
    "draw_call_sequence",
    "draw_output_struct",
    "draw_design_comparison",
    "sequence_rows",
    "SLOT_COLORS",
    "SLOT_LABELS",
    "OVERWRITTEN_LABEL",
]

#: Where each state sits in the state diagram (x, y).
_STATE_POSITIONS = {
    UserClientState.CREATED: (0.0, 1.0),
    UserClientState.OPEN: (1.0, 1.0),
    UserClientState.CLOSED: (2.0, 1.0),
    UserClientState.CRASHED: (1.5, 0.0),
}

#: Legend names that differ from the kind of byte (``GetPacketRecord.origins``).
SLOT_LABELS = {"guard": "stack after the struct"}

#: The legend's name for the hatched bytes: those the copy wrote past ``packet_data``.
OVERWRITTEN_LABEL = "overwritten by the copy"

#: How high above a state its self-loop's control points sit; the loop itself stays below
#: this height (its top is at 0.5), and the loop's label starts just above it.
_LOOP_HEIGHT = 0.62

#: The colour of each kind of byte in the output slot (``GetPacketRecord.origins``).
SLOT_COLORS = {
    "frame": COLORS["frame"],
    "stale": COLORS["stale"],
    "packet_size": COLORS["struct_field"],
    "zeroed": COLORS["zero"],
    "uninitialised": COLORS["tailroom"],
    "guard": COLORS["unused"],  # the stack's own bytes: not the struct's
}


def draw_state_machine(
    ax,
    state: UserClientState | None = None,
    *,
    moves=USER_CLIENT_MOVES,
    title: str = "the user client's states",
):
    """The states and the legal moves between them, from ``moves`` (the one table); ``state``
    (or a client's ``.state``) is highlighted. ``ax.vethlab``: states, edges (from, to, moves),
    labels (from, to, x, y, alignment, top of a self-loop or None), current."""
    state = getattr(state, "state", state)
    edges: dict[tuple, list[str]] = {}
    for move in moves:
        edges.setdefault((move.source, move.target), []).append(move.action)
    ax.set_xlim(-0.45, 2.45)
    ax.set_ylim(-0.3, 2.1)
    ax.set_axis_off()
    placed = []  # (from, to, x, y, ha, top of the loop or None): where each edge's label went
    for s, (x, y) in _STATE_POSITIONS.items():
        current = s is state
        ax.add_patch(
            FancyBboxPatch(
                (x - 0.3, y - 0.13),
                0.6,
                0.26,
                boxstyle="round,pad=0.02",
                facecolor=COLORS["selection"] if current else COLORS["state"],
                edgecolor=COLORS["boundary"],
                linewidth=2 if current else 1,
            )
        )
        ax.text(
            x,
            y,
            s.name,
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 1,
            weight="bold",
            color=COLORS["background"] if current else COLORS["text"],
        )
    for (src, dst), names in edges.items():
        (x0, y0), (x1, y1) = _STATE_POSITIONS[src], _STATE_POSITIONS[dst]
        label = "\n".join(names)
        if src is dst:
            # The loop is a path in data coordinates, so its top is known whatever the figure's
            # shape, and the label sits clear above it.
            loop = Path(
                [
                    (x0 - 0.12, y0 + 0.14),
                    (x0 - 0.3, y0 + _LOOP_HEIGHT),
                    (x0 + 0.3, y0 + _LOOP_HEIGHT),
                    (x0 + 0.12, y0 + 0.14),
                ],
                [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4],
            )
            ax.add_patch(
                FancyArrowPatch(
                    path=loop, arrowstyle="-|>", mutation_scale=10, color=COLORS["queue_line"]
                )
            )
            ax.text(
                x0,
                y0 + _LOOP_HEIGHT + 0.02,
                label,
                ha="center",
                va="bottom",
                fontsize=FONT_SIZE,
                color=COLORS["text"],
            )
            placed.append(
                (src.name, dst.name, x0, y0 + _LOOP_HEIGHT + 0.02, "center", loop.get_extents().y1)
            )
            continue
        dx, dy = x1 - x0, y1 - y0
        t = min(0.32 / abs(dx) if dx else float("inf"), 0.15 / abs(dy) if dy else float("inf"))
        ax.add_patch(
            FancyArrowPatch(
                (x0 + t * dx, y0 + t * dy),
                (x1 - t * dx, y1 - t * dy),
                arrowstyle="-|>",
                mutation_scale=12,
                shrinkA=0,
                shrinkB=0,
                color=COLORS["queue_line"],
            )
        )
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        if dy == 0:  # level: the label above the arrow
            at, ha, va = (mx, my + 0.06), "center", "bottom"
        else:  # slanted: the label beside the arrow, on its lower side, clear of the line
            side = 1 if dx * dy > 0 else -1
            at, ha, va = (mx + 0.06 * side, my - 0.06), "left" if side > 0 else "right", "top"
        ax.text(*at, label, ha=ha, va=va, fontsize=FONT_SIZE, color=COLORS["text"])
        placed.append((src.name, dst.name, *at, ha, None))
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE + 1, color=COLORS["text"])
    ax.vethlab = {
        "states": [s.name for s in _STATE_POSITIONS],
        "edges": [(a.name, b.name, names) for (a, b), names in edges.items()],
        "labels": placed,
        "current": None if state is None else state.name,
    }
    return ax


def sequence_rows(trace: Trace, max_rows: int = 24) -> list[tuple[str, str, str, int]]:
    """The trace's events as rows ``(kind, name, code name, repeats)``: a run of identical
    events is one row; at most ``max_rows`` rows."""
    rows: list[list] = []
    for event in trace.events:
        key = (event.kind, event.name, event.kr_name)
        if rows and tuple(rows[-1][:3]) == key:
            rows[-1][3] += 1
        else:
            rows.append([*key, 1])
    return [tuple(r) for r in rows[:max_rows]]


def draw_call_sequence(
    ax, trace: Trace, *, max_rows: int = 24, title: str = "app and dext, call by call"
):
    """A sequence diagram of ``trace`` (an app's crossings): calls from the app's lifeline to
    the dext's with the code they returned, notifications from the dext to the app's port, and
    callbacks on the app's dispatch queue. Runs of identical events are one row, "× n".
    ``ax.vethlab``: rows, lifelines, errors (rows whose code is not success)."""
    rows = sequence_rows(trace, max_rows)
    lifelines = {"app": 0.0, "dext": 1.0}
    n = max(len(rows), 1)
    ax.set_xlim(-0.55, 1.55)
    ax.set_ylim(n + 0.2, -0.9)
    ax.set_axis_off()
    for name, x in lifelines.items():
        ax.plot([x, x], [-0.3, n], color=COLORS["boundary"], linewidth=1, linestyle=(0, (4, 3)))
        ax.text(
            x,
            -0.55,
            name,
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 1,
            weight="bold",
            color=COLORS["text"],
            bbox=dict(
                boxstyle="round,pad=0.3",
                facecolor=COLORS["background"],
                edgecolor=COLORS["boundary"],
            ),
        )
    errors = []
    for i, (kind, name, kr_name, repeats) in enumerate(rows):
        y = i + 0.5
        times = f" × {repeats}" if repeats > 1 else ""
        failed = kr_name not in ("", "kIOReturnSuccess")
        if failed:
            errors.append(i)
        code_color = COLORS["wrong_read"] if failed else COLORS["text"]
        if kind == "notify":
            ax.annotate(
                "",
                xy=(0.02, y),
                xytext=(0.98, y),
                arrowprops=dict(arrowstyle="-|>", color=COLORS["queue_line"], linestyle="--"),
            )
            ax.text(
                0.5,
                y - 0.08,
                f"{name}{times}",
                ha="center",
                va="bottom",
                fontsize=FONT_SIZE,
                color=COLORS["muted_text"],
            )
        elif kind == "deliver":
            ax.text(
                -0.05,
                y,
                f"callback {name}(){times}",
                ha="right",
                va="center",
                fontsize=FONT_SIZE,
                color=COLORS["muted_text"],
                family=MONO_FONT,
            )
        else:
            ax.annotate(
                "",
                xy=(0.98, y),
                xytext=(0.02, y),
                arrowprops=dict(arrowstyle="-|>", color=COLORS["queue_line"]),
            )
            ax.text(
                0.5,
                y - 0.08,
                f"{name}{times}",
                ha="center",
                va="bottom",
                fontsize=FONT_SIZE,
                color=COLORS["text"],
                family=MONO_FONT,
            )
            ax.text(1.05, y, kr_name, ha="left", va="center", fontsize=FONT_SIZE, color=code_color)
    if len(trace.events) and len(rows) == max_rows:
        ax.text(
            0.5,
            n + 0.1,
            "… (more)",
            ha="center",
            va="top",
            fontsize=FONT_SIZE,
            color=COLORS["muted_text"],
        )
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE + 1, color=COLORS["text"])
    ax.vethlab = {"rows": rows, "lifelines": list(lifelines), "errors": errors}
    return ax


def draw_output_struct(
    ax, record: GetPacketRecord, *, rules: bool = True, title: str | None = None
):
    """The dext's ``GetPacket_Output output`` and the stack after it, byte by byte, as one
    GetPacket call left them: who wrote each byte (this frame, an earlier frame = stale, the
    dext's ``packet_size``, zeros, nothing yet, the stack's own bytes), the bytes the copy
    overwrote beyond ``packet_data`` (hatched), and where it faulted. ``ax.vethlab``: regions,
    overwritten, leaked, fault, packet_size (returned), frame_length."""
    slot_end = GET_PACKET_OUTPUT_SIZE + record.guard
    regions = record.origins(0, slot_end)
    right = max(slot_end, record.frame_length) * 1.04
    ax.set_xlim(0, right)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    for lo, hi, kind, _ in regions:
        ax.add_patch(
            Rectangle(
                (lo, 0.35),
                hi - lo,
                0.4,
                facecolor=SLOT_COLORS[kind],
                hatch="///" if kind == "guard" else None,
                edgecolor=COLORS["boundary"],
                linewidth=0.4,
                label=kind,
            )
        )
    ax.add_patch(
        Rectangle((0, 0.35), slot_end, 0.4, fill=False, edgecolor=COLORS["boundary"], linewidth=0.8)
    )
    overwritten = record.overwritten()
    for lo, hi, name in overwritten:
        beyond = name == "past the stack"
        ax.add_patch(
            Rectangle(
                (lo, 0.3),
                hi - lo,
                0.5,
                fill=False,
                hatch="////",
                edgecolor=COLORS["wrong_read"],
                linewidth=1.2,
                linestyle="--" if beyond else "-",
            )
        )
    marks = [
        (0, "packet_data[1600]", "left"),
        (GET_PACKET_DATA_SIZE, "packet_size ▸", "right"),
        (GET_PACKET_OUTPUT_SIZE, "◂ end of struct", "left"),
        (slot_end, "end of stack", "center"),
    ]
    mark_texts = []
    for x, text, align in marks:
        ax.axvline(x, 0.2, 0.9, color=COLORS["boundary"], linewidth=1)
        mark_texts.append(
            ax.text(x, 0.92, text, ha=align, va="bottom", fontsize=FONT_SIZE, color=COLORS["text"])
        )
    ax.annotate(
        "",
        xy=(record.frame_length, 0.2),
        xytext=(0, 0.2),
        arrowprops=dict(
            arrowstyle="-|>", color=COLORS["wrong_read"] if overwritten else COLORS["right_read"]
        ),
    )
    ax.text(
        record.frame_length,
        0.1,
        f"memcpy of {record.frame_length} bytes",
        ha="right" if record.frame_length > right * 0.5 else "left",
        va="center",
        fontsize=FONT_SIZE,
        color=COLORS["text"],
    )
    if record.fault:  # ends where the bad copy ended, inside the axes, on its own white box
        ax.text(
            max(slot_end, record.frame_length),
            0.55,
            "EXC_BAD_ACCESS",
            ha="right",
            va="center",
            fontsize=FONT_SIZE,
            weight="bold",
            color=COLORS["wrong_read"],
            bbox=dict(
                boxstyle="round,pad=0.25",
                facecolor=COLORS["background"],
                edgecolor=COLORS["wrong_read"],
            ),
        )
    ax.set_xlabel(
        "byte of the output struct (the stack continues after it)",
        fontsize=FONT_SIZE,
        color=COLORS["text"],
    )
    style_axes(ax)
    leaked = record.leaked()
    size = record.packet_size_returned
    if title is None:
        title = f"{record.variant} GetPacket, a {record.frame_length}-byte frame: " + (
            "the dext crashed"
            if record.fault
            else f"packet_size sent = {size}"
            + (f", {record.leaked_bytes} stale bytes sent" if leaked else "")
        )
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE, color=COLORS["text"])
    seen = {}
    for patch in ax.patches:
        label = patch.get_label()
        if label in SLOT_COLORS and label not in seen:
            seen[label] = patch
    handles, names = list(seen.values()), [SLOT_LABELS.get(kind, kind) for kind in seen]
    if overwritten:  # the hatching needs a key too
        handles.append(Patch(fill=False, hatch="////", edgecolor=COLORS["wrong_read"]))
        names.append(OVERWRITTEN_LABEL)
    ax.legend(
        handles,
        names,
        labelcolor=COLORS["text"],
        loc="upper right",
        fontsize=FONT_SIZE,
        ncol=len(names),
        frameon=False,
        bbox_to_anchor=(1.0, 1.35),
    )
    if rules:
        add_provenance_notes(
            ax,
            [
                ("reported", "the struct and the unbounded memcpy are the question's code"),
                (
                    "modelled",
                    f"the struct sits on the dext's stack, {record.guard} bytes below its end, "
                    "at the same address every call; unwritten stack shows as zero",
                ),
            ],
        )
    # The marks' names give way to the first one, packet_data: up a line, or dropped.
    gave_way = keep_apart(ax, mark_texts, {t: [(0, FONT_SIZE * 1.3)] for t in mark_texts[1:]})
    ax.vethlab = {
        "labels_moved": gave_way["moved"],
        "labels_dropped": gave_way["dropped"],
        "regions": [(lo, hi, kind) for lo, hi, kind, _ in regions],
        "overwritten": overwritten,
        "leaked": leaked,
        "fault": record.fault is not None,
        "packet_size": size,
        "frame_length": record.frame_length,
        "kr": IOReturnName(record.kr),
        "legend": names,
    }
    return ax


def draw_design_comparison(ax, result: dict, *, title: str = "frames per second, by design"):
    """Horizontal bars of ``result`` (``vethlab.bench.userclient.measure``'s JSON): each
    design's frames per second and its share of the bare copy loop. ``ax.vethlab``: bars
    (name -> pps), value_labels_at (name -> x where its number starts: the end of its bar)."""
    names = ["per_packet", "batch", "shared_mapping", "bare_copy"]
    values = [result[f"{name}_pps"] for name in names]
    bare = result["bare_copy_pps"] or 1.0
    ys = range(len(names))
    bars = ax.barh(ys, values, color=COLORS["design"], edgecolor=COLORS["boundary"], linewidth=0.6)
    bars[-1].set_facecolor(COLORS["background"])  # the bare loop: a limit, not a design
    ax.set_yticks(list(ys), [n.replace("_", " ") for n in names], fontsize=FONT_SIZE)
    ax.invert_yaxis()
    labels = {}
    for name, y, value in zip(names, ys, values):
        labels[name] = value  # just after the bar
        ax.text(
            labels[name],
            y,
            f"  {value:,.0f} ({value / bare:.0%})",
            va="center",
            fontsize=FONT_SIZE,
            color=COLORS["text"],
        )
    ax.set_xlim(0, bare * 1.35)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    style_axes(ax)
    ax.set_xlabel("frames per second", fontsize=FONT_SIZE, color=COLORS["text"])
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE + 1, color=COLORS["text"])
    ax.vethlab = {"bars": dict(zip(names, values)), "value_labels_at": labels}
    return ax
