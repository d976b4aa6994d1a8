r"""The size rule: the buffer size a pool really uses for each requested ``bufferSize``.

``draw_size_rule(ax)`` plots XNU's object-size rule (``configured_buffer_size``, from
``skmem_region_params_config``: source) as steps, requested size across and real size up, for
both cache lines (128 bytes on Apple silicon, 64 on Intel) and both segment sizes a boot can
draw (64 KiB, 80 KiB)::

    real                                    ______ 80 KiB: 2048 ... then 2560
    2048 |          ___________________.---'
         |     ____|   1600 -> 2048 on every Mac
    1280 |____|  1200 -> 1280 (80 KiB) or 2048 (64 KiB)
         +---------------------------------------- requested

The size is fixed against the boot's segment; the count only changes the segment. An inset
shows that second step for one requested size: the segment each ``bufferCount`` gets, shrunk in
16 KiB steps to what the buffers need, or grown until it divides them (``buffer_region``).

Every number is the model's (:mod:`vethlab.model.layout`); ``ax.vethlab`` keeps the curves.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.ticker import MaxNLocator

from vethlab.model.layout import buffer_region, configured_buffer_size
from vethlab.model.machine import PROFILES, SEGMENT_SIZES
from vethlab.pictures.legend import add_provenance_notes
from vethlab.pictures.style import COLORS, FONT_SIZE, TITLE_SIZE, style_axes

__all__ = ["draw_size_rule", "size_rule_curves", "segment_by_count"]

#: Line style of each boot segment size; the cache line (the Mac) is told by the colour role
#: ``text`` (Apple silicon) or ``muted_text`` (Intel).
_SEGMENT_STYLES = {65536: "-", 81920: (0, (4, 2))}
_PROFILE_ROLES = {"apple-silicon": "text", "intel": "muted_text"}
_PROFILE_NAMES = {"apple-silicon": "Apple silicon", "intel": "Intel"}


def size_rule_curves(requested) -> dict[tuple[str, int], np.ndarray]:
    """The real buffer size for every size in ``requested``, for each ``(profile, boot
    segment size)``."""
    return dict(_curves(tuple(int(r) for r in requested)))


@lru_cache(maxsize=8)
def _curves(requested: tuple[int, ...]):
    # the model's answers do not change: a slider that redraws asks for them once
    return tuple(
        {
            (name, segment): np.array(
                [configured_buffer_size(int(r), profile.cache_line, segment) for r in requested]
            )
            for name, profile in PROFILES.items()
            for segment in SEGMENT_SIZES
        }.items()
    )


def segment_by_count(buffer_size: int, counts, profile: str = "apple-silicon") -> dict:
    """The segment size XNU fits to each ``bufferCount`` in ``counts`` for ``buffer_size``,
    for each boot segment size: ``{boot segment: array of segment sizes}``."""
    return dict(_segments(buffer_size, tuple(int(c) for c in counts), profile))


@lru_cache(maxsize=64)
def _segments(buffer_size: int, counts: tuple[int, ...], profile: str):
    machine = PROFILES[profile]
    return tuple(
        {
            boot: np.array(
                [
                    buffer_region(
                        buffer_size,
                        int(count),
                        cache_line=machine.cache_line,
                        ncpu=machine.ncpu,
                        boot_segment_size=boot,
                    ).segment_size
                    for count in counts
                ]
            )
            for boot in SEGMENT_SIZES
        }.items()
    )


def draw_size_rule(
    ax,
    *,
    largest: int = 4096,
    step: int = 16,
    mark: int = 1600,
    counts=range(1, 129),
    rules: bool = True,
    title: str | None = None,
    count_ax=None,
):
    """Step plot of real against requested ``bufferSize`` from ``step`` to ``largest`` bytes
    for the two Macs and the two boot segments, with ``mark`` (the question's 1600) marked,
    and, on ``count_ax`` (by default a panel made to the right of ``ax``: leave room for it),
    the segment size against ``counts`` for ``mark``. Returns ``ax``."""
    requested = np.arange(step, largest + 1, step)
    curves = size_rule_curves(requested)
    for (profile, segment), real in curves.items():
        ax.step(
            requested,
            real,
            where="post",
            color=COLORS[_PROFILE_ROLES[profile]],
            linestyle=_SEGMENT_STYLES[segment],
            linewidth=1.2 if profile == "apple-silicon" else 1.0,
            label=f"{_PROFILE_NAMES[profile]} ({PROFILES[profile].cache_line}-byte lines), "
            f"{segment // 1024} KiB",
        )
    ax.plot(
        requested,
        requested,
        color=COLORS["page_boundary"],
        linestyle=":",
        linewidth=0.8,
        label="real = requested",
    )
    marked = {
        key: configured_buffer_size(mark, PROFILES[key[0]].cache_line, key[1]) for key in curves
    }
    real_mark = sorted(set(marked.values()))
    ax.plot(
        [mark] * len(real_mark),
        real_mark,
        linestyle="none",
        marker="o",
        markersize=5,
        markerfacecolor=COLORS["background"],
        markeredgecolor=COLORS["text"],
    )
    ax.annotate(
        f"{mark} → {' or '.join(str(r) for r in real_mark)}",
        xy=(mark, real_mark[-1]),
        xytext=(6, 8),
        textcoords="offset points",
        fontsize=FONT_SIZE,
        color=COLORS["text"],
    )
    ax.set_xlim(0, largest)
    ax.set_ylim(0, max(int(c.max()) for c in curves.values()) * 1.3)  # room for the key
    ax.set_xlabel("requested bufferSize (bytes)", fontsize=FONT_SIZE, color=COLORS["text"])
    ax.set_ylabel("real buffer size (bytes)", fontsize=FONT_SIZE, color=COLORS["text"])
    style_axes(ax)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        labelcolor=COLORS["text"], fontsize=FONT_SIZE, frameon=False, loc="upper left"
    )  # no steps up there

    # the count's effect: the segment the pool really uses, for the marked size
    inset = count_ax if count_ax is not None else ax.inset_axes((1.16, 0.0, 0.6, 1.0))
    counts = np.asarray(list(counts))
    segments = segment_by_count(mark, counts)
    for boot, sizes in segments.items():
        inset.step(
            counts,
            sizes / 1024,
            where="post",
            color=COLORS["text"],
            linestyle=_SEGMENT_STYLES[boot],
            linewidth=1.0,
        )
    inset.set_xlabel(f"bufferCount (bufferSize {mark})", fontsize=FONT_SIZE, color=COLORS["text"])
    inset.set_ylabel("segment size (KiB)", fontsize=FONT_SIZE, color=COLORS["text"])
    inset.plot([], [], color=COLORS["text"], linestyle="-", label="64 KiB boot")
    inset.plot([], [], color=COLORS["text"], linestyle=(0, (4, 2)), label="80 KiB boot")
    inset.legend(labelcolor=COLORS["text"], fontsize=FONT_SIZE, frameon=False, loc="lower right")
    inset.set_ylim(0, None)
    inset.set_facecolor(COLORS["background"])
    inset.set_title(
        "the count only moves the segment",
        fontsize=FONT_SIZE,
        color=COLORS["text"],
        loc="left",
    )
    style_axes(inset)
    for axis in (ax.xaxis, ax.yaxis, inset.xaxis, inset.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=5, integer=True))  # few ticks: less to draw
    for side in ("top", "right"):
        inset.spines[side].set_visible(False)

    if title is None:
        title = "XNU's size rule: the buffer size a pool really uses"
    ax.set_title(title, fontsize=TITLE_SIZE, loc="left", color=COLORS["text"])
    notes = []
    if rules:
        notes = add_provenance_notes(
            ax,
            [
                (
                    "source",
                    "XNU's skmem_region_params_config (that DriverKit pools use it is inferred)",
                ),
            ],
            below_points=36,
        )
    ax.vethlab = {
        "requested": requested,
        "curves": curves,
        "marked": marked,
        "counts": counts,
        "segments": segments,
        "notes": notes,
    }
    return ax
