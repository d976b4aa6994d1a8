"""Labels rasterized once and stamped wherever they are drawn again: the dashboards' glyph cache.

A dashboard redraws its whole figure on every slider move, and most of its words do not change
between moves: titles, legends, row names, tick labels, the names of a buffer's parts. Agg
rasterizes every label from its font's outlines each time it is drawn (matplotlib 3.11 does it
glyph by glyph, in Python), and at the dashboards' 2× resolution that was the largest single
cost of a redraw. Every GUI toolkit keeps a glyph cache for this reason; this one keeps whole
labels, made from cached glyphs:

    first draw of "headroom" at 8 pt     put its glyphs side by side where Agg's layout puts
                                         them (kerning included) into a coverage mask: how
                                         much ink each pixel gets; a glyph not seen before is
                                         rasterized by Agg, exactly as it would draw it
    every later draw, anywhere, any      put the mask on the picture in the text's colour,
    colour                               one call into Agg's text blending

matplotlib measures every label before it draws it; the measure keeps where FreeType starts
each glyph, so a new label is laid out once, not once to measure and again to draw.

So a label seen before costs one call, and a new one (a slider's new number in a long
sentence) costs a few microseconds per character instead of Agg's outlines for each.

A mask is colourless (colour is the graphics context's, as for any Agg text), so one stamp
serves every colour. Its key is everything that shapes the ink: the text, its font properties,
its angle, the dpi and the hinting setting. A label is placed on a whole device pixel, at most
half a device pixel (a quarter of a CSS pixel at 2×) from where Agg would have started it, and
each glyph within it at a quarter of a device pixel of where Agg puts it.

Turned labels are rasterized whole by Agg, then stamped like the others (as is every label
with a matplotlib older than 3.11, whose Agg draws a label in one call, not glyph by glyph). Not stamped,
drawn by Agg as always: mathtext, aliased text, text with font features or a language set.
A stamp is never bigger than the label's ink.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import matplotlib
import numpy as np
from matplotlib.backend_bases import GraphicsContextBase
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import fontManager, get_font

__all__ = [
    "StampingCanvas",
    "StampingRenderer",
    "Stamp",
    "STAMPS_KEPT",
    "MEASURE_HINTING",
    "FIRST_REACH",
    "SUBPIXELS",
]

#: How many stamps are kept (the least recently used go first): a few dashboards' worth of
#: labels, a few megabytes at most.
STAMPS_KEPT = 4096
#: How far, in ems, the scratch picture a label is first drawn on reaches from the label's
#: origin every way (plus an em per character ahead): room for ascenders, descenders, accents
#: and overhangs. A label whose ink reaches the edge is drawn again on a bigger one.
FIRST_REACH = 1.5
#: How the renderer measures text, wherever it is measured: unhinted, as the dashboards draw it
#: (``canvas.render_png`` draws with ``text.hinting`` "no_hinting"). A picture places its
#: labels before it is drawn, outside that setting; measured with the default hinting, a label
#: would be laid out with widths off those it is drawn with (by 8 device pixels for a label of
#: 76 characters). Agg's own flag for "no_hinting", as ``get_hinting_flag`` gives it (a
#: ``LoadFlags`` from matplotlib 3.10 on, a number before).
with matplotlib.rc_context({"text.hinting": "no_hinting"}):
    MEASURE_HINTING = get_hinting_flag()
#: A glyph is rasterized for each quarter of a device pixel it can start at (FreeType places
#: glyphs to 1/64 of a pixel; a quarter is an eighth of a CSS pixel at 2×).
SUBPIXELS = 4


class Stamp:
    """One label's ink: ``coverage`` (rows × columns of 0–255) and where its top-left pixel
    sits relative to the label's origin (``left``, ``top``: device pixels, y downward)."""

    __slots__ = ("coverage", "left", "top")

    def __init__(self, coverage: np.ndarray, left: int, top: int) -> None:
        self.coverage = coverage
        self.left = left
        self.top = top


def _font_key(prop) -> tuple:
    """What of a ``FontProperties`` shapes the ink (a FontProperties can change after it was
    used, so the key is its values, not the object)."""
    return (
        tuple(prop.get_family()),
        prop.get_style(),
        prop.get_variant(),
        prop.get_weight(),
        prop.get_stretch(),
        prop.get_size_in_points(),
        prop.get_file(),
    )


def _line_metrics(prop, dpi) -> tuple:
    """Ascent, descent and line gap of ``prop``'s font at ``dpi``, in device pixels, from the
    first of its OS/2 (typographic) or hhea tables it has, scaled from font units exactly as
    matplotlib 3.11's ``Text._get_layout`` scales them; (None, None, None) with neither."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap_key, ascent_key, descent_key in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
        scale = 1 / units_per_em * prop.get_size_in_points() * dpi / 72  # matplotlib's order
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None


def _keep(cache: OrderedDict, key, stamp, kept: int | None = None):
    """Put ``stamp`` in ``cache`` (least recently used first out, past ``kept``, by default
    ``STAMPS_KEPT``) and return it."""
    cache[key] = stamp
    if len(cache) > (STAMPS_KEPT if kept is None else kept):
        cache.popitem(last=False)
    return stamp


class StampingRenderer(RendererAgg):
    """Agg, with labels drawn from a :class:`Stamp` made the first time each is drawn."""

    #: Shared by every dashboard: the same label at the same size is one stamp.
    stamps: OrderedDict = OrderedDict()
    #: The glyphs labels are made of: one stamp per glyph, font and quarter-pixel start.
    glyphs: OrderedDict = OrderedDict()
    #: Each font's line height metrics, by font and dpi (see ``_get_font_height_metrics``).
    line_metrics: dict = {}
    #: Where the glyphs of labels measured but not yet stamped start, by label, font and dpi
    #: (see ``get_text_width_height_descent``); a label is stamped at its first draw, soon
    #: after its first measure, so a few hundred are plenty.
    measured: OrderedDict = OrderedDict()
    MEASURED_KEPT = 256

    def get_text_width_height_descent(self, s, prop, ismath):
        """Agg's measure of a label, made with the very calls ``RendererAgg`` makes but always
        unhinted (``MEASURE_HINTING``), keeping where FreeType starts each glyph (``set_text``
        returns it): matplotlib measures every label before it draws it, and the first draw
        then builds its stamp from these starts instead of laying the label out again (half
        the cost of a new label).

        Kept only for ASCII labels with a glyph per character: no ASCII character takes two
        glyphs, so as many starts as characters means no ligature either."""
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        font = self._prepare_font(prop)
        starts = font.set_text(s, 0.0, flags=MEASURE_HINTING)  # 26.6 fixed point: 1/64 px
        width, height = font.get_width_height()
        descent = font.get_descent()
        if s.isascii() and len(starts) == len(s):
            _keep(self.measured, (s, _font_key(prop), self.dpi), starts / 64, self.MEASURED_KEPT)
        return width / 64, height / 64, descent / 64

    def _get_font_height_metrics(self, prop):
        """The font's ascent, descent and line gap in device pixels, as matplotlib's
        ``Text._get_layout`` works them out from the font's OS/2 or hhea table, looked up once
        per font and dpi. ``_get_layout`` asks a renderer for these when it has this method
        (matplotlib 3.11, its own words: "a temporary internal method"); without it, it finds
        the font file and reads two tables for every label each time it measures one, twice
        per label per draw. None, None, None: no such table, and matplotlib measures "lp"."""
        key = (_font_key(prop), self.dpi)
        if key not in self.line_metrics:
            self.line_metrics[key] = _line_metrics(prop, self.dpi)
        return self.line_metrics[key]

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        # x, y: the label's origin (left end of its baseline), device pixels, y downward.
        shaped = mtext is not None and (
            getattr(mtext, "get_fontfeatures", lambda: None)() is not None
            or getattr(mtext, "get_language", lambda: None)() is not None
        )
        if ismath or not gc.get_antialiased() or shaped or not s:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        stamp = self._stamp(s, prop, angle)
        if stamp is None:  # no ink at all (only spaces)
            return None
        rows = stamp.coverage.shape[0]
        # Agg's text blending takes the mask's left column and the row just below its bottom.
        left = round(x) + stamp.left
        below = round(y) + stamp.top + rows
        self._renderer.draw_text_image(stamp.coverage, left, below, 0, gc)
        return None

    def _stamp(self, s, prop, angle) -> Stamp | None:
        """The label's stamp: from the cache, else made from its glyphs (a straight label, where
        matplotlib lays text out glyph by glyph), else rasterized whole."""
        key = (s, _font_key(prop), float(angle), self.dpi, matplotlib.rcParams["text.hinting"])
        if key in self.stamps:
            self.stamps.move_to_end(key)
            return self.stamps[key]
        glyphs = self._layout(s, prop) if angle == 0 else None
        stamp = self._rasterize(s, prop, angle) if glyphs is None else self._assemble(prop, glyphs)
        return _keep(self.stamps, key, stamp)

    def _layout(self, s, prop) -> list[tuple[str, float, float]] | None:
        """The label's glyphs as Agg lays them out: the characters each glyph draws (two for a
        ligature such as "ff"), and where it starts (device pixels from the origin, y upward,
        kerning included). None where matplotlib has no such layout (before 3.11 its Agg drew
        a label in one call, and the label is rasterized whole)."""
        font = self._prepare_font(prop)  # Agg's own font lookup, at this size and dpi
        layout = getattr(font, "_layout", None)  # what Agg's draw_text draws from, 3.11 on
        if layout is None:
            return None
        # Just measured, and drawn with the hinting it was measured with: the same starts as
        # the layout's, to the bit.
        same_hinting = get_hinting_flag() == MEASURE_HINTING
        starts = self.measured.pop((s, _font_key(prop), self.dpi), None) if same_hinting else None
        if starts is not None:
            return [(char, x, y) for char, (x, y) in zip(s, starts.tolist())]
        return [(item.char, item.x, item.y) for item in layout(s, flags=get_hinting_flag())]

    def _assemble(self, prop, glyphs) -> Stamp | None:
        """The label's stamp made of its glyphs' stamps, each at its start rounded to a quarter
        pixel, their ink added as Agg adds one glyph's ink over another's."""
        font, hinting = _font_key(prop), matplotlib.rcParams["text.hinting"]
        pieces = []  # (left, top, coverage) of each glyph with ink
        for chars, x, y in glyphs:
            start = round(x * SUBPIXELS) / SUBPIXELS
            whole = math.floor(start)
            glyph = self._glyph(chars, prop, start - whole, font, hinting)
            if glyph is not None:
                pieces.append((whole + glyph.left, glyph.top - round(y), glyph.coverage))
        if not pieces:
            return None
        left = min(piece_left for piece_left, _, _ in pieces)
        top = min(piece_top for _, piece_top, _ in pieces)
        right = max(piece_left + ink.shape[1] for piece_left, _, ink in pieces)
        bottom = max(piece_top + ink.shape[0] for _, piece_top, ink in pieces)
        mask = np.zeros((bottom - top, right - left), dtype=np.uint16)
        inked_to = -1  # the right end of the ink put down so far (glyphs go left to right)
        for piece_left, piece_top, ink in pieces:
            rows = slice(piece_top - top, piece_top - top + ink.shape[0])
            columns = slice(piece_left - left, piece_left - left + ink.shape[1])
            if piece_left >= inked_to:  # nothing under it yet: its ink as it is
                mask[rows, columns] = ink
            else:  # ink over ink, as Agg blends where two glyphs touch: a + b − a·b
                under = mask[rows, columns]
                mask[rows, columns] = under + ink - under * ink // 255
            inked_to = max(inked_to, piece_left + ink.shape[1])
        return Stamp(mask.astype(np.uint8), left, top)

    def _glyph(self, chars, prop, phase, font, hinting) -> Stamp | None:
        """One glyph's ink (the glyph Agg draws for ``chars``) drawn by Agg starting ``phase``
        of a pixel right of a whole pixel, relative to that pixel (cached). ``font`` and
        ``hinting``: the label's font key and hinting setting, looked up once per label."""
        key = (chars, font, phase, self.dpi, hinting)
        if key in self.glyphs:
            self.glyphs.move_to_end(key)
            return self.glyphs[key]
        return _keep(self.glyphs, key, self._rasterize(chars, prop, 0.0, phase))

    def _rasterize(self, s, prop, angle, phase=0.0) -> Stamp | None:
        """Draw ``s`` with Agg, black on nothing, on a scratch picture that holds all its ink,
        and keep the alpha channel (the coverage) trimmed to the ink. ``phase``: how far right
        of a whole pixel the origin is (the stamp's offsets are from that whole pixel).

        The scratch picture is sized from the font size alone (measuring the label exactly
        would cost as much as drawing it): :data:`FIRST_REACH` ems around the origin, and an em
        per character. Should the ink touch its edge (a glyph wider than an em), the label is
        drawn again on one twice as big."""
        em = prop.get_size_in_points() * self.dpi / 72
        grow = 1
        while True:
            coverage, origin = self._draw_black(s, prop, angle, grow * em, len(s) * em, phase)
            rows = np.flatnonzero(coverage.any(axis=1))
            columns = np.flatnonzero(coverage.any(axis=0))
            if rows.size == 0:
                return None
            height, width = coverage.shape
            if 0 < rows[0] <= rows[-1] < height - 1 and 0 < columns[0] <= columns[-1] < width - 1:
                break  # no ink on the scratch picture's edge: all of it is there
            grow *= 2
        top, bottom = rows[0], rows[-1] + 1
        first, last = columns[0], columns[-1] + 1
        return Stamp(
            np.ascontiguousarray(coverage[top:bottom, first:last]),
            left=int(first) - origin[0],
            top=int(top) - origin[1],
        )

    def _draw_black(self, s, prop, angle, em, length, phase) -> tuple[np.ndarray, tuple[int, int]]:
        """``s`` drawn by Agg in black on a transparent scratch picture, its origin ``phase``
        of a pixel right of a whole pixel: the alpha channel, and that whole pixel. Before
        turning by ``angle``, the picture reaches ``FIRST_REACH`` times ``em`` from the origin
        every way, plus ``length`` ahead."""
        reach = FIRST_REACH * em
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        # The picture's corners turned by the angle, relative to the origin, y downward.
        corners = [
            (dx * cos - dy * sin, -(dx * sin + dy * cos))
            for dx in (-reach, length + reach)
            for dy in (-reach, reach)
        ]
        origin = (
            math.ceil(-min(x for x, _ in corners)),
            math.ceil(-min(y for _, y in corners)),
        )
        scratch = RendererAgg(
            origin[0] + math.ceil(max(x for x, _ in corners)) + 1,
            origin[1] + math.ceil(max(y for _, y in corners)) + 1,
            self.dpi,
        )
        ink = GraphicsContextBase()
        ink.set_foreground("black")
        ink.set_antialiased(True)
        scratch.draw_text(ink, origin[0] + phase, origin[1], s, prop, angle)
        return np.asarray(scratch.buffer_rgba())[:, :, 3], origin


class StampingCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is a :class:`StampingRenderer`."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        if getattr(self, "_stamping_key", None) != key:
            self.renderer = StampingRenderer(w, h, self.figure.dpi)
            self._stamping_key = key
        return self.renderer
