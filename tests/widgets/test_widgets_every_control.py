"""Every control of every dashboard, moved to both ends and between, changes what is shown
(the picture or the text), without a browser; and every picture is rendered at twice the CSS
size it is shown at."""

import io

import PIL.Image
import pytest

from vethlab.widgets.canvas import SCALE
from vethlab.widgets.catalog import DASHBOARDS, snapshot, sweep

CASES = [(d, name) for d in DASHBOARDS for name in d.build().vethlab_controls]


@pytest.mark.parametrize(("dashboard", "control"), CASES, ids=[f"{d.name}-{c}" for d, c in CASES])
def test_every_move_changes_the_picture_or_the_text(dashboard, control):
    """Each value of the sweep shows something new; a disabled control is never left moved."""
    box = dashboard.build()
    controls = box.vethlab_controls
    for name, value in dashboard.prepare.get(control, {}).items():
        controls[name].value = value
    widget = controls[control]
    assert not widget.disabled, f"{control} is disabled after its preparation"
    before = snapshot(box)
    for value in sweep(widget):
        widget.value = value
        after = snapshot(box)
        assert after != before, f"{dashboard.name}: {control} = {value!r} changed nothing shown"
        before = after


def test_a_disabled_control_says_why():
    """The queue stepper's batch is disabled while the dext looks again, and the notes say so."""
    box = next(d for d in DASHBOARDS if d.name == "queue_stepper").build()
    assert box.vethlab_controls["redrain"].value and box.vethlab_controls["tx_batch"].disabled
    assert any("batch size is off" in t for t in snapshot(box)[1])


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=[d.name for d in DASHBOARDS])
def test_the_picture_is_rendered_at_twice_its_css_size(dashboard):
    """The PNG has SCALE × the pixels of the width the Image widget is given, and the same shape."""
    box = dashboard.build()
    image = box.vethlab_image
    width = int(image.layout.width.removesuffix("px"))
    assert image.width == str(width) or image.width == width
    png = PIL.Image.open(io.BytesIO(bytes(image.value)))
    assert png.size[0] == SCALE * width
    figure_w, figure_h = box.vethlab_figure.get_size_inches()
    assert png.size[1] == round(SCALE * width * figure_h / figure_w)


@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=lambda d: d.name)
def test_a_closed_dashboard_is_freed_with_its_figure(dashboard):
    """ipywidgets keeps every open widget; closing a dashboard lets its figure go (the widgets
    benchmark closes each one it measured, as a notebook's kernel holds only its own)."""
    import gc
    import weakref

    from vethlab.widgets.catalog import close

    box = dashboard.build()
    figure = weakref.ref(box.vethlab_figure)
    close(box)
    del box
    gc.collect()
    assert figure() is None
