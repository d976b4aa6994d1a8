"""What every dashboard shares: one reused figure shown as a PNG, HTML text, and the finishing
touches that make a dashboard inspectable by tests.

A dashboard redraws into the same ``Figure`` (made without pyplot, so the inline backend never
shows it on its own) and puts a PNG of it into an ``ipywidgets.Image``: no figure setup per
slider move, and nothing for nbval to compare but the widget's repr.
"""

from __future__ import annotations

import html
import io

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["render_png", "FigureImage", "escape", "finish", "watch"]


def render_png(fig: Figure) -> bytes:
    """The figure as PNG bytes: drawn by Agg, saved as RGB (no alpha: a quarter less to
    compress) at zlib's fastest level, since the PNG is shown once and thrown away."""
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    buf = io.BytesIO()
    PIL.Image.fromarray(np.ascontiguousarray(rgba[:, :, :3])).save(
        buf, format="png", compress_level=1
    )
    return buf.getvalue()


class FigureImage:
    """One matplotlib figure with one axes, reused for every redraw, shown in an ``Image``."""

    def __init__(self, figsize=(10, 5), dpi: int = 90) -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.01)
        self._ax = self.figure.add_subplot()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.png = b""

    def axes(self):
        """The figure's one axes, to draw into (the drawing functions clear it first)."""
        return self._ax

    def show(self) -> bytes:
        """Render the figure to PNG and put it in the image widget; return the PNG."""
        self.png = render_png(self.figure)
        self.image.value = self.png
        return self.png


def escape(text) -> str:
    """``text`` made safe to put inside HTML (quotes are left alone: never in attributes)."""
    return html.escape(str(text), quote=False)


def watch(controls: dict, redraw) -> None:
    """Call ``redraw`` whenever any control's value changes, and once now (the first picture)."""
    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()


def finish(
    box: widgets.Box,
    controls: dict,
    state: dict,
    figure: Figure,
    image: widgets.Image | None = None,
) -> widgets.Box:
    """Attach what tests and the browser suite inspect to a dashboard, and return it:
    ``vethlab_state`` (what the last redraw did), ``vethlab_controls`` (by name),
    ``vethlab_figure`` and, when given, ``vethlab_image``."""
    box.vethlab_state = state
    box.vethlab_controls = controls
    box.vethlab_figure = figure
    if image is not None:
        box.vethlab_image = image
    return box
