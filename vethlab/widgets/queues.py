"""The queue stepper: a burst of pings through the dext, one dispatch block at a time.

``queue_stepper()`` returns an ipywidgets box. Choose the burst, the queues' capacity, how many
packets the dext takes per doorbell and whether it looks again before returning; the picture
jumps to the end of that run, and the final counts show beside the controls. Then move the step
slider back to watch it happen. Every position is a replay of the simulation up to that step
(:func:`vethlab.ping.link.ping_burst`), drawn as :func:`vethlab.pictures.queues.draw_queues`
draws it: what you see is the model's own state, not an animation. The boxes, arrows and key
never change, so they are drawn once (a :class:`~vethlab.pictures.queues.QueueFrame`); each
step fills in the packets.

Where a setting cannot change the picture, the dashboard says why rather than leave a learner
guessing: the batch size is disabled while the dext looks again (it drains TX submission
whatever the batch); pings beyond the capacity are dropped before the dext sees them (only the
counts change); "looks again" changes nothing when one batch takes every waiting packet. The
runs are short because one dispatch block does a lot: the dext's ``TxPacketAvailable`` takes
every packet it will take, and the app's one notification handles them all.

Everything drawn is in ``box.vethlab_state`` for tests (``notes``: the reasons shown).
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from vethlab.networkingdriverkit.queues import QueueKind
from vethlab.pictures.queues import QueueFrame
from vethlab.ping.link import ping_burst
from vethlab.widgets.canvas import FigureImage, finish, labelled

__all__ = ["queue_stepper", "counts_text", "setting_notes"]

#: The picture in CSS pixels: five controls beside the counts above it, and the dashboard
#: fits JupyterLab at 1440×900 with the file browser open.
PICTURE_PX = (780, 500)


def counts_text(accounting: dict) -> str:
    """A run's counts, each way, as HTML lines."""
    out, back = accounting["out"], accounting["in"]
    drops = (
        "; ".join(f"{reason}: {n}" for reason, n in {**out["dropped"], **back["dropped"]}.items())
        or "none"
    )
    return (
        f"host → app: {out['offered']} offered, {out['delivered']} delivered, "
        f"{out['in_flight']} in flight<br>app → host: {back['offered']} offered, "
        f"{back['delivered']} delivered, {back['in_flight']} in flight<br>"
        f"dropped: {html.escape(drops)}"
    )


def setting_notes(burst: int, capacity: int, tx_batch: int, redrain: bool, steps: int) -> list:
    """Why a setting changes less than a learner may expect, one sentence each."""
    notes = []
    if burst > capacity:
        notes.append(
            f"TX submission holds {capacity}: {burst - capacity} of the {burst} pings are "
            "dropped before the dext sees them, so more pings change only the counts."
        )
    waiting = min(burst, capacity)
    if redrain:
        notes.append(
            "The batch size is off while the dext looks again: it dequeues until TX "
            "submission is empty, whatever the batch."
        )
    elif tx_batch >= waiting:
        notes.append(
            f"One DequeuePackets of {tx_batch} takes all {waiting} waiting packets, so looking "
            "again would find nothing."
        )
    notes.append(
        f"{steps} dispatch blocks: the dext's TxPacketAvailable takes every packet it will "
        "take, and the app's one notification handles them all."
    )
    return notes


def queue_stepper(
    *,
    burst: int = 12,
    capacity: int = 8,
    tx_batch: int = 8,
    redrain: bool = True,
    packets: int = 32,
    step: int | None = None,
    size_px: tuple[int, int] = PICTURE_PX,
) -> widgets.VBox:
    """The dashboard: burst, capacity, batch, redrain, and the step to look at (default: the
    last step of the run)."""
    slider = dict(continuous_update=False)
    controls = {
        "burst": labelled(
            widgets.IntSlider(value=burst, min=1, max=24, **slider), "pings sent at once"
        ),
        "capacity": labelled(
            widgets.IntSlider(value=capacity, min=1, max=16, **slider), "queue capacity"
        ),
        "tx_batch": labelled(
            widgets.IntSlider(value=tx_batch, min=1, max=16, **slider), "DequeuePackets batch"
        ),
        "redrain": labelled(widgets.Checkbox(value=redrain), "dext looks again while packets wait"),
        "step": labelled(widgets.IntSlider(value=0, min=0, max=1, **slider), "step"),
    }
    title = widgets.HTML()
    final = widgets.HTML(layout=widgets.Layout(width="540px"))
    canvas = FigureImage(size_px)
    # The frame (places, arrows, sides, key) is drawn once and kept as the picture's
    # background; each step redraws only the packets and the texts a fill changes.
    frame = QueueFrame(canvas.axes(), animated=True)
    state = {
        "renders": 0,
        "steps": 0,
        "labels": [],
        "step": 0,
        "record": None,
        "accounting": None,
        "final": None,
        "notes": [],
    }

    def params():
        capacities = {kind: controls["capacity"].value for kind in QueueKind}
        return dict(
            packets=packets,
            capacities=capacities,
            tx_batch=controls["tx_batch"].value,
            redrain=controls["redrain"].value,
        )

    def rescan(*_, to_step=None):
        """A new setting: run it to the end, show its final counts and why a setting may not
        matter, and jump to the last step (or ``to_step``)."""
        link, labels = ping_burst(controls["burst"].value, **params())
        state["labels"] = labels
        state["steps"] = len(labels)
        state["final"] = link.accounting()
        controls["tx_batch"].disabled = controls["redrain"].value
        state["notes"] = setting_notes(
            controls["burst"].value,
            controls["capacity"].value,
            controls["tx_batch"].value,
            controls["redrain"].value,
            len(labels),
        )
        final.value = (
            f"<div style='font-size:90%;line-height:1.3'><b>at the end of the run</b><br>"
            f"{counts_text(state['final'])}"
            "<ul style='margin:0.2em 0 0 0;padding-left:1.2em'>"
            + "".join(f"<li>{html.escape(n)}</li>" for n in state["notes"])
            + "</ul></div>"
        )
        step_slider = controls["step"]
        step_slider.unobserve(redraw, "value")
        step_slider.max = max(len(labels), 1)
        step_slider.value = len(labels) if to_step is None else min(to_step, len(labels))
        step_slider.observe(redraw, "value")
        if step_slider.value == len(labels):
            show(len(labels), link, labels)  # the run just made is the last step: no replay
        else:
            redraw()

    def redraw(*_):
        k = controls["step"].value
        show(k, *ping_burst(controls["burst"].value, k, **params()))

    def show(k, link, labels):
        """Draw the link as it is after step ``k`` (``labels``: what each step ran)."""
        what = "before anything runs" if k == 0 else f"ran {html.escape(labels[-1])}"
        acc = link.accounting()
        title.value = (
            f"<b>step {k} of {state['steps']}</b>: {what}<br><span style='font-size:85%'>"
            f"{counts_text(acc).replace('<br>', ' &nbsp;|&nbsp; ')}</span>"
        )
        record = frame.fill(link)
        canvas.show(background=False)  # the frame never changes (the first render draws it)
        state.update(step=k, record=record, accounting=acc)
        state["renders"] += 1

    for name, control in controls.items():
        if name != "step":
            control.observe(rescan, "value")
    controls["step"].observe(redraw, "value")
    rescan(to_step=step)
    box = widgets.VBox(
        [
            widgets.HBox(
                [
                    widgets.VBox([controls[name] for name in controls]),
                    final,
                ],
                layout=widgets.Layout(grid_gap="8px"),
            ),
            title,
            canvas.image,
        ]
    )
    return finish(box, controls, state, canvas.figure, canvas.image)
