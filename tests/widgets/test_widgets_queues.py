"""Tests for vethlab.widgets.queues: the queue stepper moved like a learner would, checked on
what it drew."""

from vethlab.networkingdriverkit.queues import where
from vethlab.ping.link import ping_burst
from vethlab.widgets.queues import queue_stepper


def test_the_stepper_can_start_before_anything_runs():
    """At step 0 the burst sits on TX submission (8 of 12: the rest were dropped)."""
    box = queue_stepper(burst=12, capacity=8, step=0)
    state = box.vethlab_state
    assert (state["step"], state["steps"]) == (0, 4)
    assert state["record"]["slots"]["TX_SUBMISSION"]["packets"] == [8, 9, 10, 11, 12, 13, 14, 15]
    assert state["accounting"]["out"]["dropped"] == {"TX submission full": 4}
    assert box.vethlab_controls["step"].max == 4


def test_moving_the_step_replays_the_run_up_to_it():
    """Each step shows exactly the state a replay to that step has."""
    box = queue_stepper(burst=5, capacity=8)
    for k in range(box.vethlab_controls["step"].max + 1):
        box.vethlab_controls["step"].value = k
        link, _ = ping_burst(5, k, packets=32, capacities=8)
        expected = {p.name: ids for p, ids in where(link.pool).items()}
        assert box.vethlab_state["record"]["places"] == expected
    assert box.vethlab_state["accounting"]["in"]["delivered"] == 5


def test_changing_a_setting_rescans_and_keeps_the_step_in_range():
    """A new setting rescans the run; without redrain, one packet per doorbell strands the rest."""
    box = queue_stepper(burst=6, capacity=8, step=0)
    controls = box.vethlab_controls
    controls["step"].value = controls["step"].max
    controls["tx_batch"].value = 1
    controls["redrain"].value = False
    state = box.vethlab_state
    assert controls["step"].value <= controls["step"].max == state["steps"]
    controls["step"].value = controls["step"].max
    assert state["accounting"]["out"]["in_flight"] == 5  # one taken, five wait for a bell


def test_the_stepper_starts_at_the_end_and_a_setting_jumps_there():
    """By default, and after every setting, the step is the run's last, with its final counts."""
    box = queue_stepper(burst=12, capacity=8)
    controls, state = box.vethlab_controls, box.vethlab_state
    assert state["step"] == state["steps"] == controls["step"].max
    assert state["accounting"] == state["final"]
    controls["step"].value = 0
    controls["capacity"].value = 16
    assert state["step"] == state["steps"] and state["accounting"]["out"]["delivered"] == 12


def test_the_batch_is_disabled_while_the_dext_looks_again():
    """With redrain on, the batch cannot matter: disabled, and the notes say why."""
    box = queue_stepper(burst=12, capacity=8, redrain=True)
    controls, state = box.vethlab_controls, box.vethlab_state
    assert controls["tx_batch"].disabled
    assert any("batch size is off" in note for note in state["notes"])
    controls["redrain"].value = False
    assert not controls["tx_batch"].disabled
    before = state["final"]["out"]["delivered"]
    controls["tx_batch"].value = 2
    assert state["final"]["out"]["delivered"] == 2 != before


def test_pings_beyond_the_capacity_say_why_the_picture_stays():
    """Above the capacity only the counts change, and a note says the extra pings are dropped."""
    box = queue_stepper(burst=12, capacity=8)
    assert any("4 of the 12 pings are dropped" in note for note in box.vethlab_state["notes"])


def test_each_step_drawn_over_the_kept_frame_is_the_picture_a_full_draw_makes():
    """The places, arrows and key are drawn once and kept; every move of every control
    draws the packets and texts over them, and the picture shown is, pixel for pixel, the one
    a full draw of the figure makes."""
    import io

    import numpy as np
    import PIL.Image

    from vethlab.widgets.canvas import render_png

    box = queue_stepper()
    figure, image = box.vethlab_figure, box.vethlab_image
    animated = [a for a in figure.findobj() if a.get_animated()]
    assert animated  # the squares, titles, numbers and labels

    def full_draw():
        now = [a for a in figure.findobj() if a.get_animated()]
        for artist in now:
            artist.set_animated(False)
        try:
            return np.asarray(PIL.Image.open(io.BytesIO(render_png(figure))))
        finally:
            for artist in now:
                artist.set_animated(True)

    controls = box.vethlab_controls
    moves = [("step", 0), ("step", 3), ("burst", 12), ("capacity", 4), ("redrain", True)]
    moves += [("capacity", 64), ("step", 1)]
    for name, value in moves:
        controls[name].value = min(value, controls[name].max) if name == "step" else value
        shown = np.asarray(PIL.Image.open(io.BytesIO(image.value)))
        assert np.array_equal(shown, full_draw()), f"{name}={value}"
