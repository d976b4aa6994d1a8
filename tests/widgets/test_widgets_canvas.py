"""The dashboards' shared canvas: PNG encoding, 2x rendering, labels in one column."""

import io

import numpy as np
import PIL.Image

from vethlab.widgets.canvas import SCALE, FigureImage, png_bytes


def test_png_bytes_round_trips_through_a_png_reader():
    """Pillow reads back exactly the RGB of the picture (alpha dropped)."""
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    image = PIL.Image.open(io.BytesIO(png_bytes(rgba)))
    assert image.mode == "RGB" and image.size == (5, 7)
    assert np.array_equal(np.asarray(image), rgba[:, :, :3])


def test_a_big_picture_compressed_a_piece_per_core_round_trips_too():
    """A dashboard-sized picture (over the size compressed in one piece), flat colours and
    noise: one zlib stream of independent pieces that Pillow reads back exactly."""
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
