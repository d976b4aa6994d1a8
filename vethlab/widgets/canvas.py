"""What every dashboard shares: one reused figure shown as a crisp PNG, the controls laid out
above it, HTML text, and the finishing touches that make a dashboard inspectable by tests.

A dashboard redraws into the same ``Figure`` (made without pyplot, so the inline backend never
shows it on its own) and puts a PNG of it into an ``ipywidgets.Image``: no figure setup per
slider move, and nothing for nbval to compare but the widget's repr.

Crisp and fitted: a dashboard's picture has a size in CSS pixels (``size_px``), chosen so that
the whole dashboard fits JupyterLab at 1440×900 with the file browser open (about 900 pixels
of output width, 779 of height). The figure is ``size_px / CSS_DPI`` inches, so 8-point text
is 10 CSS pixels, and it is rendered at ``SCALE`` times that (2: every CSS pixel gets four
device pixels on a Retina screen). The ``Image`` is given exactly ``size_px``: the browser
shrinks it on a narrower page, but never stretches it::

    figure  864 x 540 CSS px = 9.6 x 6.0 in  --rendered at 180 dpi-->  PNG 1728 x 1080
    <img width=864>          shown at 864 CSS px = 1728 device px on a 2x screen
"""

from __future__ import annotations

import html
import struct
import zlib
from contextlib import contextmanager

import ipywidgets as widgets
import matplotlib
import numpy as np
from isal import isal_zlib
from matplotlib.figure import Figure

from vethlab.pictures.style import clear_axes
from vethlab.widgets.stamps import StampingCanvas

__all__ = [
    "CSS_DPI",
    "SCALE",
    "LABEL_WIDTH",
    "CONTROL_WIDTH",
    "render_png",
    "clear_axes",
    "png_bytes",
    "FigureImage",
    "escape",
    "finish",
    "watch",
    "control_rows",
    "selection_readout",
    "labelled",
]

#: CSS pixels per inch of a dashboard's figure: 8-point text is 10 CSS pixels tall.
CSS_DPI = 90
#: Device pixels per CSS pixel the PNG is rendered for (2: crisp on a Retina screen).
SCALE = 2
#: Every control's description takes the same width, toggles and sliders alike, so that their
#: labels line up in one column.
LABEL_WIDTH = "150px"
#: One control, label included: two fit side by side in a dashboard's 900 pixels.
CONTROL_WIDTH = "440px"


#: Text is drawn without hinting: hinting snaps glyph outlines to a 1× screen's pixel grid,
#: which a 2× picture does not need, and it is most of the time Agg spends on text. The
#: renderer measures text unhinted too, wherever it is measured (stamps.MEASURE_HINTING).
_RENDER_HINTING = "no_hinting"


@contextmanager
def _unhinted():
    """``text.hinting`` set to ``_RENDER_HINTING`` for a render, then put back: the one setting
    a render changes (``matplotlib.rc_context`` copies every setting, ten times the cost)."""
    before = matplotlib.rcParams["text.hinting"]
    matplotlib.rcParams["text.hinting"] = _RENDER_HINTING
    try:
        yield
    finally:
        matplotlib.rcParams["text.hinting"] = before


def render_png(fig: Figure) -> bytes:
    """The figure as PNG bytes, drawn by Agg (see :func:`png_bytes` for the encoding)."""
    with _unhinted():
        fig.canvas.draw()
    return png_bytes(np.asarray(fig.canvas.buffer_rgba()))


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type and data (PNG spec, section 5.3)."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(rgba: np.ndarray) -> bytes:
    """An opaque ``(height, width, 4)`` RGBA picture as PNG bytes: 8-bit RGB (the alpha of a
    dashboard's figure is always opaque), every row unfiltered, deflated by ISA-L.

    PNG's filters help photographs; a figure is flat colours and thin lines, which deflate
    compresses as well without them. Pillow tries every filter on every row, and that took
    three times as long as all of this, for a slightly bigger file.

    The deflating is ISA-L's (Intel's Intelligent Storage Acceleration Library, through
    python-isal, whose ``isal_zlib`` is ``zlib``'s interface): the same zlib stream any PNG
    reader reads, made about eight times as fast as zlib's fastest level makes it (1 ms
    against 8 for a dashboard's picture), for a file about a tenth bigger."""
    height, width, _ = rgba.shape
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # each row starts with its filter type: 0, none
    pixels = rows[:, 1:].reshape(height, width, 3)  # a view: R, G, B of each pixel in a row
    # One channel at a time: numpy copies long rows of every 4th byte much faster than it
    # copies 3 bytes of every 4 (1 ms against 9 for a dashboard's picture).
    for channel in range(3):
        pixels[:, :, channel] = rgba[:, :, channel]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB, no interlace
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", isal_zlib.compress(rows, 1))
        + _png_chunk(b"IEND", b"")
    )


class FigureImage:
    """One matplotlib figure, reused for every redraw, shown in an ``Image`` at ``size_px``
    CSS pixels and rendered at ``SCALE`` times that.

    ``axes=True`` gives the figure one axes filling it (``axes()``); dashboards that lay out
    their own axes pass ``axes=False`` and add them to ``figure``."""

    def __init__(self, size_px: tuple[int, int], *, axes: bool = True) -> None:
        width, height = size_px
        self.size_px = (int(width), int(height))
        self.figure = Figure(figsize=(width / CSS_DPI, height / CSS_DPI), dpi=CSS_DPI * SCALE)
        StampingCanvas(self.figure)  # Agg, with each label rasterized once
        self._ax = None
        if axes:
            self.figure.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.01)
            self._ax = self.figure.add_subplot()
        # The exact CSS size, never more (max_width lets a narrow page shrink it, height auto
        # keeps its shape); the PNG has SCALE times as many pixels each way.
        self.image = widgets.Image(
            format="png",
            width=self.size_px[0],
            layout=widgets.Layout(width=f"{self.size_px[0]}px", height="auto", max_width="100%"),
        )
        self.png = b""
        self._background = None  # the last render's pixels without its animated artists

    def axes(self):
        """The figure's one axes, to draw into (the drawing functions clear it first)."""
        return self._ax

    def render(self, *, background: bool = True) -> bytes:
        """Render the figure to PNG and return it (the image widget is left as it was).

        A dashboard whose controls change only part of its picture marks that part animated
        (``set_animated(True)``, matplotlib's mark for what blitting redraws: a whole axes, or
        artists of an axes) and keeps the rest as a background, the way matplotlib's blitting
        does::

            background=True     draw everything not animated, keep a copy of those pixels,
                                then draw the animated artists over them
            background=False    the caller knows nothing else changed: put the copy back and
                                draw only the animated artists over it

        Animated artists are drawn over the whole background, in their z-order: a dashboard
        animates only what nothing of the background covers, and the picture is the one a
        full draw makes (a test compares them pixel by pixel)."""
        animated = _animated_artists(self.figure)
        if not animated:
            self.png = render_png(self.figure)
            return self.png
        canvas = self.figure.canvas
        with _unhinted():
            if background or self._background is None:
                canvas.draw()  # matplotlib leaves animated artists out of a figure's draw
                self._background = canvas.copy_from_bbox(self.figure.bbox)
            else:
                canvas.restore_region(self._background)
            for artist in animated:
                self.figure.draw_artist(artist)
        self.png = png_bytes(np.asarray(canvas.buffer_rgba()))
        return self.png

    def show(self, *, background: bool = True) -> bytes:
        """Render the figure to PNG (see :meth:`render`), put it in the image widget and show
        it; return the PNG."""
        self.image.value = self.render(background=background)
        self.image.layout.display = None
        return self.png

    def hide(self) -> None:
        """Take the picture off the page (a message shows in its place)."""
        self.image.layout.display = "none"


def _animated_artists(figure: Figure) -> list:
    """The figure's animated axes, and the animated artists of its other axes, in the order a
    full draw would draw them (by z-order; axes first to last)."""
    animated = []
    for ax in figure.axes:
        if ax.get_animated():
            animated.append(ax)
            continue
        children = [a for a in ax.get_children() if a.get_animated() and a.get_visible()]
        animated.extend(sorted(children, key=lambda a: a.get_zorder()))
    return animated


def escape(text) -> str:
    """``text`` made safe to put inside HTML (quotes are left alone: never in attributes)."""
    return html.escape(str(text), quote=False)


def watch(controls: dict, redraw) -> None:
    """Call ``redraw`` whenever any control's value changes, and once now (the first picture)."""
    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()


def labelled(control: widgets.Widget, description: str) -> widgets.Widget:
    """Give ``control`` the dashboards' label: ``description`` in the label column, the control
    filling the rest of ``CONTROL_WIDTH`` (toggles, checkboxes and sliders alike)."""
    control.description = description
    control.style.description_width = LABEL_WIDTH
    control.layout.width = CONTROL_WIDTH
    if isinstance(control, widgets.Checkbox):
        # A checkbox's text sits right of its box: the box goes where the other controls
        # start, past the label column.
        control.indent = False
        control.style.description_width = "initial"
        control.layout.margin = f"0 0 0 {LABEL_WIDTH}"
        control.layout.width = "auto"  # as wide as its text: never cut off
        control.layout.min_width = f"calc({CONTROL_WIDTH} - {LABEL_WIDTH})"
    return control


def selection_readout(slider: widgets.SelectionSlider) -> widgets.HBox:
    """A selection slider with a readout that cannot be typed into.

    ipywidgets' own readout is editable text that a SelectionSlider ignores (type 100 and the
    model stays at 32); this one is a label the slider's value writes."""
    slider.readout = False
    slider.layout.width = f"calc({CONTROL_WIDTH} - 70px)"
    readout = widgets.Label(layout=widgets.Layout(width="64px", margin="0 0 0 6px"))

    def show(_change=None):
        readout.value = f"{slider.value:,}"

    slider.observe(show, names="value")
    show()
    return widgets.HBox([slider, readout], layout=widgets.Layout(width=CONTROL_WIDTH))


def _aligned(control: widgets.Widget) -> widgets.Widget:
    """``control`` with its label where a slider's is: right-aligned in the label column.

    ipywidgets puts a ToggleButtons' description on a line of its own above the buttons; this
    moves the description into a label of the same width and alignment as a slider's."""
    if not isinstance(control, widgets.ToggleButtons) or not control.description:
        return control
    label = widgets.HTML(
        f"<div style='text-align:right;padding-right:8px'>{escape(control.description)}</div>",
        layout=widgets.Layout(width=LABEL_WIDTH, flex="0 0 auto"),
    )
    control.description = ""
    control.style.description_width = "0px"
    control.layout.width = "auto"
    return widgets.HBox([label, control], layout=widgets.Layout(min_width=CONTROL_WIDTH))


def control_rows(*rows) -> widgets.VBox:
    """The controls above a picture, ``rows`` of at most two, each ``CONTROL_WIDTH`` wide, every
    label right-aligned in one column."""
    return widgets.VBox(
        [
            widgets.HBox([_aligned(c) for c in row], layout=widgets.Layout(grid_gap="8px"))
            for row in rows
        ],
        layout=widgets.Layout(margin="0 0 4px 0"),
    )


def finish(
    box: widgets.Box,
    controls: dict,
    state: dict,
    figure: Figure,
    image: widgets.Image | None = None,
) -> widgets.Box:
    """Attach what tests and the browser suite inspect to a dashboard, and return it:
    ``vethlab_state`` (what the last redraw did), ``vethlab_controls`` (by name),
    ``vethlab_figure`` and, when given, ``vethlab_image``. The box gets the class
    ``vethlab-dashboard``, by which the browser suite finds it."""
    box.vethlab_state = state
    box.vethlab_controls = controls
    box.vethlab_figure = figure
    if image is not None:
        box.vethlab_image = image
    box.add_class("vethlab-dashboard")
    return box
