"""The dashboards' label cache: a stamped label looks like, and sits where, Agg draws it."""

import itertools

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font, LoadFlags

from vethlab.widgets import stamps
from vethlab.widgets.canvas import FigureImage
from vethlab.widgets.stamps import StampingCanvas, StampingRenderer

#: Labels as the dashboards draw them: sizes, weights, an italic, a monospace address, several
#: angles, two lines, several colours.
LABELS = [
    dict(s="headroom 8", fontsize=8),
    dict(s="packet 3: GetMemorySegmentOffset() = 6144", fontsize=9, weight="bold"),
    dict(s="0x12e314000", fontsize=8, family="monospace", color="#0072B2"),
    dict(s="offset error (bytes)", fontsize=8, rotation=90),
    dict(s="tailroom gy", fontsize=10, rotation=30, style="italic", color="#D55E00"),
    dict(s="two\nlines", fontsize=8, rotation=-45),
]


def _draw(canvas_class) -> np.ndarray:
    figure = Figure(figsize=(6, 3), dpi=180)
    canvas_class(figure)
    for k, label in enumerate(LABELS):
        figure.text(0.05 + 0.15 * k, 0.2 + 0.1 * (k % 3), **label)
    with matplotlib.rc_context({"text.hinting": "no_hinting"}):
        figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())[:, :, :3].astype(float)


def _ink(picture: np.ndarray) -> np.ndarray:
    """How dark each pixel is (0 on white, 1 on black)."""
    return 1 - picture.mean(axis=2) / 255


def test_stamped_labels_have_agg_s_ink_within_half_a_pixel_of_where_agg_puts_it():
    """Same amount of ink, centred within half a device pixel, for every label at once."""
    stamped, plain = _ink(_draw(StampingCanvas)), _ink(_draw(FigureCanvasAgg))
    assert stamped.sum() == pytest.approx(plain.sum(), rel=0.02)
    assert np.allclose(_centre(stamped), _centre(plain), atol=0.5)


def _centre(ink: np.ndarray) -> tuple[float, float]:
    """The centre of the ink: row and column weighted by how dark each pixel is."""
    rows, columns = np.indices(ink.shape)
    return (rows * ink).sum() / ink.sum(), (columns * ink).sum() / ink.sum()


def test_each_label_is_placed_like_agg_places_it():
    """Label by label: the bounding box of its ink is where Agg's is, to a pixel."""
    for label in LABELS:
        boxes = []
        for canvas_class in (StampingCanvas, FigureCanvasAgg):
            figure = Figure(figsize=(3, 3), dpi=180)
            canvas_class(figure)
            figure.text(0.4, 0.4, **label)
            figure.canvas.draw()
            ink = _ink(np.asarray(figure.canvas.buffer_rgba())[:, :, :3].astype(float)) > 0.2
            rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
            boxes.append((rows[0], rows[-1], columns[0], columns[-1]))
        assert np.abs(np.subtract(*boxes)).max() <= 1, label["s"]


def test_one_stamp_serves_every_colour_and_every_place():
    """The same label in two colours at two places is rasterized once and drawn in each colour."""
    StampingRenderer.stamps.clear()
    figure = Figure(figsize=(3, 1), dpi=180)
    StampingCanvas(figure)
    figure.text(0.1, 0.5, "stale bytes", color="#D55E00")
    figure.text(0.6, 0.5, "stale bytes", color="#0072B2")
    figure.canvas.draw()
    assert len(StampingRenderer.stamps) == 1
    picture = np.asarray(figure.canvas.buffer_rgba())[:, :, :3].astype(int)
    left, right = picture[:, : picture.shape[1] // 2], picture[:, picture.shape[1] // 2 :]
    # The darkest pixel of each half is that half's colour.
    assert tuple(left.reshape(-1, 3)[left.sum(axis=2).argmin()]) == (0xD5, 0x5E, 0x00)
    assert tuple(right.reshape(-1, 3)[right.sum(axis=2).argmin()]) == (0x00, 0x72, 0xB2)


def test_a_font_changed_after_use_gets_its_own_stamp():
    """The key is the font's values, not the object: a label made bigger is drawn bigger."""
    StampingRenderer.stamps.clear()
    figure = Figure(figsize=(3, 1), dpi=180)
    StampingCanvas(figure)
    text = figure.text(0.1, 0.5, "packet_size")
    figure.canvas.draw()
    text.get_fontproperties().set_size(14)
    figure.canvas.draw()
    sizes = sorted(stamp.coverage.shape[1] for stamp in StampingRenderer.stamps.values())
    assert len(sizes) == 2 and sizes[1] > 1.3 * sizes[0]  # 14 pt against the default 10


def test_mathtext_and_aliased_text_are_drawn_by_agg_itself():
    StampingRenderer.stamps.clear()
    figure = Figure(figsize=(3, 1), dpi=180)
    StampingCanvas(figure)
    figure.text(0.1, 0.5, r"$2^{11}$")
    figure.text(0.5, 0.5, "aliased", antialiased=False)
    figure.canvas.draw()
    assert StampingRenderer.stamps == {}
    assert (_ink(np.asarray(figure.canvas.buffer_rgba())[:, :, :3].astype(float)) > 0.5).any()


def test_the_cache_keeps_at_most_stamps_kept(monkeypatch):
    """The least recently used stamps go first; memory stays bounded however many labels."""
    monkeypatch.setattr(stamps, "STAMPS_KEPT", 3)
    StampingRenderer.stamps.clear()
    figure = Figure(figsize=(3, 1), dpi=180)
    StampingCanvas(figure)
    for k in range(5):
        figure.text(0.1, 0.1 * k, f"label {k}")
    figure.canvas.draw()
    assert [key[0] for key in StampingRenderer.stamps] == ["label 2", "label 3", "label 4"]


def test_dashboards_draw_with_the_stamping_canvas():
    assert isinstance(FigureImage((100, 50)).figure.canvas, StampingCanvas)


def test_a_label_whose_ink_outgrows_the_first_scratch_picture_is_stamped_whole(monkeypatch):
    """With a first scratch picture far too small, every label is drawn again on bigger ones
    until its ink fits, and the stamp is the one a roomy first picture gives."""
    label = dict(s="Wide glyphs: WWW ——", fontsize=9, rotation=30)

    def stamp_with(reach):
        monkeypatch.setattr(stamps, "FIRST_REACH", reach)
        StampingRenderer.stamps.clear()
        _draw_one(label)
        (stamp,) = StampingRenderer.stamps.values()
        return stamp

    roomy, cramped = stamp_with(1.5), stamp_with(0.05)
    assert (cramped.left, cramped.top) == (roomy.left, roomy.top)
    assert np.array_equal(cramped.coverage, roomy.coverage)


def _draw_one(label):
    figure = Figure(figsize=(3, 3), dpi=180)
    StampingCanvas(figure)
    figure.text(0.4, 0.4, **label)
    figure.canvas.draw()


def test_a_label_is_put_together_from_glyphs_as_agg_lays_them_out():
    """Where matplotlib lays text out glyph by glyph, a new label is made of cached glyphs: a
    ligature ("ff" in "offset") is one glyph, and the label's ink is Agg's, to a pixel."""
    StampingRenderer.stamps.clear()
    StampingRenderer.glyphs.clear()
    label = dict(s="the offset of buffer 7: −1,600 bytes", fontsize=8)
    stamped, plain = (_draw_one_on(canvas, label) for canvas in (StampingCanvas, FigureCanvasAgg))
    if hasattr(FT2Font, "_layout"):  # matplotlib 3.11 on: labels are made of glyphs
        assert "ff" in {key[0] for key in StampingRenderer.glyphs}
    assert stamped.sum() == pytest.approx(plain.sum(), rel=0.02)
    assert np.allclose(_centre(stamped), _centre(plain), atol=0.5)


def _draw_one_on(canvas_class, label) -> np.ndarray:
    figure = Figure(figsize=(3, 1), dpi=180)
    canvas_class(figure)
    figure.text(0.05, 0.4, **label)
    with matplotlib.rc_context({"text.hinting": "no_hinting"}):
        figure.canvas.draw()
    return _ink(np.asarray(figure.canvas.buffer_rgba())[:, :, :3].astype(float))


def _extents(canvas_class, rc: dict) -> list[tuple]:
    """Each of LABELS' extent, measured by ``canvas_class``'s renderer under ``rc``."""
    figure = Figure(figsize=(6, 3), dpi=180)
    canvas_class(figure)
    texts = [figure.text(0.1, 0.5, **label) for label in LABELS]
    with matplotlib.rc_context(rc):
        renderer = figure.canvas.get_renderer()
        return [tuple(t.get_window_extent(renderer).bounds) for t in texts]


def test_labels_measure_exactly_as_agg_measures_them_unhinted():
    """The line metrics the renderer keeps per font give every label, one line or two, any
    size, weight or family, the very extent matplotlib works out with plain Agg, unhinted
    (as the dashboards draw)."""
    unhinted = {"text.hinting": "no_hinting"}
    assert _extents(StampingCanvas, unhinted) == _extents(FigureCanvasAgg, unhinted)


def test_labels_measure_the_same_outside_a_render_as_inside():
    """A picture places its labels before it is drawn, under the default hinting: the
    renderer measures them unhinted all the same, as wide as they are drawn."""
    assert stamps.MEASURE_HINTING == LoadFlags.NO_HINTING
    hinted = {"text.hinting": "force_autohint"}
    unhinted = {"text.hinting": "no_hinting"}
    assert _extents(StampingCanvas, hinted) == _extents(FigureCanvasAgg, unhinted)
    assert _extents(FigureCanvasAgg, hinted) != _extents(FigureCanvasAgg, unhinted)


def test_line_metrics_are_looked_up_once_per_font_and_dpi(monkeypatch):
    """Measuring the same font again reads no font tables: the second measure is from the
    renderer's table of line metrics."""
    looked_up = []
    real = stamps._line_metrics
    monkeypatch.setattr(stamps, "_line_metrics", lambda *a: looked_up.append(a) or real(*a))
    monkeypatch.setattr(StampingRenderer, "line_metrics", {})
    figure = Figure(figsize=(3, 3), dpi=180)
    StampingCanvas(figure)
    renderer = figure.canvas.get_renderer()
    for s in ("first", "second", "third"):
        figure.text(0.1, 0.5, s, fontsize=11).get_window_extent(renderer)
    assert len(looked_up) == 1
    figure.text(0.1, 0.5, "bigger", fontsize=12).get_window_extent(renderer)
    assert len(looked_up) == 2


def test_a_measured_label_is_stamped_from_its_measure_exactly_as_from_a_layout(monkeypatch):
    """A label measured, then drawn, is not laid out a second time, and its stamp is the very
    stamp a fresh layout gives; a label with a ligature is laid out as before."""
    figure = Figure(figsize=(6, 1), dpi=180)
    StampingCanvas(figure)
    renderer = figure.canvas.get_renderer()
    laid_out = []
    real = FT2Font._layout
    monkeypatch.setattr(FT2Font, "_layout", lambda *a, **k: laid_out.append(a[1]) or real(*a, **k))
    straight = "chunk_size 1601 is not a power of two"
    prop = figure.text(0, 0, straight, fontsize=8).get_fontproperties()
    StampingRenderer.stamps.clear()
    with matplotlib.rc_context({"text.hinting": "no_hinting"}):  # as a dashboard draws
        renderer.get_text_width_height_descent(straight, prop, False)
        from_measure = renderer._stamp(straight, prop, 0.0)
        assert straight not in laid_out  # (each new glyph is laid out alone, to rasterize it)
        StampingRenderer.stamps.clear()
        from_layout = renderer._stamp(straight, prop, 0.0)  # nothing measured: laid out
        assert straight in laid_out
        assert (from_measure.left, from_measure.top) == (from_layout.left, from_layout.top)
        assert np.array_equal(from_measure.coverage, from_layout.coverage)
        renderer.get_text_width_height_descent("office", prop, False)
        renderer._stamp("office", prop, 0.0)
        assert "office" in laid_out


def test_glyphs_are_put_together_exactly_as_blending_every_one_over_the_others():
    """A glyph with nothing under it is put down as it is, one that touches ink already there
    is blended (a + b − a·b); the label is the same as blending every glyph, whether its
    glyphs touch (italic, kerned pairs) or not."""
    figure = Figure(figsize=(6, 1), dpi=180)
    StampingCanvas(figure)
    renderer = figure.canvas.get_renderer()
    for label in ("AVAYTyTo WAVE", "ffi fly 0x12e31f808", "packet_head + 8"):
        for style in ("normal", "italic"):
            prop = figure.text(0, 0, label, fontsize=9, style=style).get_fontproperties()
            with matplotlib.rc_context({"text.hinting": "no_hinting"}):
                glyphs = renderer._layout(label, prop)
                stamp = renderer._assemble(prop, glyphs)
                pieces = []
                for chars, x, y in glyphs:
                    start = round(x * stamps.SUBPIXELS) / stamps.SUBPIXELS
                    whole = int(np.floor(start))
                    glyph = renderer._glyph(
                        chars, prop, start - whole, stamps._font_key(prop), "no_hinting"
                    )
                    if glyph is not None:
                        pieces.append((whole + glyph.left, glyph.top - round(y), glyph.coverage))
            reference = np.zeros(stamp.coverage.shape, dtype=np.uint16)
            for left, top, ink in pieces:
                rows = slice(top - stamp.top, top - stamp.top + ink.shape[0])
                columns = slice(left - stamp.left, left - stamp.left + ink.shape[1])
                under = reference[rows, columns]
                reference[rows, columns] = under + ink - under * ink // 255
            touching = any(a[0] + a[2].shape[1] > b[0] for a, b in itertools.pairwise(pieces))
            assert np.array_equal(stamp.coverage, reference.astype(np.uint8)), (label, style)
            if style == "italic" and label.startswith("AVA"):
                assert touching  # the case that blends is exercised
