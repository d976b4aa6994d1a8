"""The dashboards' shared canvas: PNG encoding, 2x rendering, labels in one column."""

import io

import numpy as np
import PIL.Image
from matplotlib.patches import Rectangle

from vethlab.widgets.canvas import SCALE, FigureImage, png_bytes, render_png


def test_png_bytes_round_trips_through_a_png_reader():
    """Pillow reads back exactly the RGB of the picture (alpha dropped)."""
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    image = PIL.Image.open(io.BytesIO(png_bytes(rgba)))
    assert image.mode == "RGB" and image.size == (5, 7)
    assert np.array_equal(np.asarray(image), rgba[:, :, :3])


def test_a_dashboard_sized_picture_round_trips_too():
    """A dashboard-sized picture, flat colours and noise: Pillow reads back exactly the RGB
    of the picture (Pillow checks the zlib stream's Adler-32 and each chunk's CRC)."""
    rng = np.random.default_rng(1)
    rgba = np.full((540, 1728, 4), 255, dtype=np.uint8)
    rgba[100:300, 200:900] = rng.integers(0, 256, size=(200, 700, 4), dtype=np.uint8)
    rgba[400:, :, 0] = 0x56
    png = png_bytes(rgba)
    image = PIL.Image.open(io.BytesIO(png))
    assert np.array_equal(np.asarray(image), rgba[:, :, :3])


def test_a_figure_image_renders_twice_its_css_size_and_shows_it_at_that_size():
    """A 300x120 CSS-pixel picture is a 600x240 PNG in an Image widget 300 px wide."""
    canvas = FigureImage((300, 120))
    canvas.axes().plot([0, 1], [0, 1])
    png = canvas.show()
    assert PIL.Image.open(io.BytesIO(png)).size == (300 * SCALE, 120 * SCALE)
    assert canvas.image.layout.width == "300px" and canvas.image.value == png
    canvas.hide()
    assert canvas.image.layout.display == "none"


def _full_draw(figure) -> np.ndarray:
    """The figure drawn whole, as if nothing in it were animated (the reference picture)."""
    animated = [a for a in figure.findobj() if a.get_animated()]
    for artist in animated:
        artist.set_animated(False)
    try:
        return np.asarray(PIL.Image.open(io.BytesIO(render_png(figure)))).copy()
    finally:
        for artist in animated:
            artist.set_animated(True)


def _png(png: bytes) -> np.ndarray:
    return np.asarray(PIL.Image.open(io.BytesIO(png)))


def test_a_picture_redrawn_over_its_kept_background_is_the_picture_a_full_draw_makes():
    """One axes animated, one kept: after the animated one changes, the picture drawn over
    the kept background is pixel for pixel the picture of a full draw; and one drawn over a
    background that is out of date shows that: the kept part is what it was."""
    canvas = FigureImage((300, 200), axes=False)
    changing = canvas.figure.add_axes((0.1, 0.55, 0.8, 0.4))
    kept = canvas.figure.add_axes((0.1, 0.1, 0.8, 0.3))
    changing.set_animated(True)
    kept.plot([0, 1, 2], [0, 1, 0], color="#0072B2")
    line = changing.plot([0, 1], [0, 1])[0]
    changing.set_title("step 0")
    canvas.render()
    line.set_ydata([1, 0])
    changing.set_title("step 1")
    layered = _png(canvas.render(background=False))
    assert np.array_equal(layered, _full_draw(canvas.figure))
    kept.lines[0].set_color("#D55E00")  # the background changed, and the caller did not say
    stale = _png(canvas.render(background=False))
    assert not np.array_equal(stale, _full_draw(canvas.figure))
    assert np.array_equal(_png(canvas.render(background=True)), _full_draw(canvas.figure))


def test_animated_artists_of_an_axes_are_drawn_in_z_order_over_the_background():
    """Artists of an axes marked animated are drawn over the rest, lowest z-order first."""
    canvas = FigureImage((200, 120))
    ax = canvas.axes()
    ax.add_patch(Rectangle((0.2, 0.2), 0.6, 0.6, color="#56B4E9", zorder=1))
    top = ax.text(0.5, 0.5, "top", zorder=5, ha="center")
    under = ax.add_patch(Rectangle((0.4, 0.4), 0.2, 0.2, color="#E69F00", zorder=3))
    for artist in (top, under):
        artist.set_animated(True)
    canvas.render()
    top.set_text("moved")
    assert np.array_equal(_png(canvas.render(background=False)), _full_draw(canvas.figure))


def test_a_render_draws_text_with_the_hinting_the_renderer_measures_with_and_puts_it_back():
    """Text is measured and drawn unhinted alike, and the user's setting is left as it was."""
    import matplotlib
    from matplotlib.backends.backend_agg import get_hinting_flag

    from vethlab.widgets import canvas, stamps

    with matplotlib.rc_context({"text.hinting": "force_autohint"}):
        with canvas._unhinted():
            assert get_hinting_flag() == stamps.MEASURE_HINTING
        assert matplotlib.rcParams["text.hinting"] == "force_autohint"
