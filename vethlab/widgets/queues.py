"""The queue stepper: a burst of pings through the dext, one dispatch block at a time.

``queue_stepper()`` returns an ipywidgets box. Choose the burst, the queues' capacity, how many
packets the dext takes per doorbell and whether it looks again before returning; then move the
step slider. Every position is a replay of the simulation up to that step
(:func:`vethlab.ping.link.ping_burst`), drawn with :func:`vethlab.pictures.queues.draw_queues`:
what you see is the model's own state, not an animation.

Everything drawn is in ``box.vethlab_state`` for tests.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from vethlab.networkingdriverkit.queues import QueueKind
from vethlab.pictures.queues import draw_queues
from vethlab.ping.link import ping_burst
from vethlab.widgets.canvas import FigureImage, finish

__all__ = ["queue_stepper"]


def queue_stepper(
    *,
    burst: int = 12,
    capacity: int = 8,
    tx_batch: int = 8,
    redrain: bool = True,
    packets: int = 32,
    step: int = 0,
) -> widgets.VBox:
    """The dashboard: burst, capacity, batch, redrain, and the step to look at."""
    style = {"description_width": "170px"}
    wide = widgets.Layout(width="520px")
    controls = {
        "burst": widgets.IntSlider(
            value=burst,
            min=1,
            max=24,
            description="pings sent at once",
            style=style,
            layout=wide,
            continuous_update=False,
        ),
        "capacity": widgets.IntSlider(
            value=capacity,
            min=1,
            max=16,
            style=style,
            layout=wide,
            description="capacity of each queue",
            continuous_update=False,
        ),
        "tx_batch": widgets.IntSlider(
            value=tx_batch,
            min=1,
            max=16,
            style=style,
            layout=wide,
            description="packets per DequeuePackets",
            continuous_update=False,
        ),
        "redrain": widgets.Checkbox(
            value=redrain,
            indent=False,
            style=style,
            description="dext looks again while packets wait",
        ),
        "step": widgets.IntSlider(
            value=step,
            min=0,
            max=1,
            description="step",
            style=style,
            layout=wide,
            continuous_update=False,
        ),
    }
    title = widgets.HTML()
    counts = widgets.HTML()
    canvas = FigureImage(figsize=(11, 7.6), dpi=80)
    state = {"renders": 0, "steps": 0, "labels": [], "step": 0, "record": None, "accounting": None}

    def params():
        capacities = {kind: controls["capacity"].value for kind in QueueKind}
        return dict(
            packets=packets,
            capacities=capacities,
            tx_batch=controls["tx_batch"].value,
            redrain=controls["redrain"].value,
        )

    def rescan(*_):
        """A new setting: find how many steps the run has, then redraw."""
        _, labels = ping_burst(controls["burst"].value, **params())
        state["labels"] = labels
        state["steps"] = len(labels)
        slider = controls["step"]
        slider.unobserve(redraw, "value")
        slider.max = max(len(labels), 1)
        slider.value = min(slider.value, len(labels))
        slider.observe(redraw, "value")
        redraw()

    def redraw(*_):
        k = controls["step"].value
        link, labels = ping_burst(controls["burst"].value, k, **params())
        what = "before anything runs" if k == 0 else f"ran {html.escape(labels[-1])}"
        title.value = f"<b>step {k} of {state['steps']}</b>: {what}"
        acc = link.accounting()
        out, back = acc["out"], acc["in"]
        drops = (
            "; ".join(
                f"{reason}: {n}" for reason, n in {**out["dropped"], **back["dropped"]}.items()
            )
            or "none"
        )
        counts.value = (
            f"host → app: {out['offered']} offered, {out['delivered']} delivered, "
            f"{out['in_flight']} in flight &nbsp;|&nbsp; app → host: "
            f"{back['offered']} offered, {back['delivered']} delivered, "
            f"{back['in_flight']} in flight &nbsp;|&nbsp; dropped: {html.escape(drops)}"
        )
        ax = canvas.axes()
        ax.clear()
        draw_queues(ax, link)
        canvas.show()
        state.update(step=k, record=ax.vethlab, accounting=acc)
        state["renders"] += 1

    for name, control in controls.items():
        if name != "step":
            control.observe(rescan, "value")
    controls["step"].observe(redraw, "value")
    rescan()
    box = widgets.VBox(
        [
            controls["burst"],
            controls["capacity"],
            controls["tx_batch"],
            controls["redrain"],
            controls["step"],
            title,
            counts,
            canvas.image,
        ]
    )
    return finish(box, controls, state, canvas.figure, canvas.image)
