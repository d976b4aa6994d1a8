"""Tests for vethlab.widgets.queues: the queue stepper moved like a learner would, checked on
what it drew."""

from vethlab.networkingdriverkit.queues import where
from vethlab.ping.link import ping_burst
from vethlab.widgets.queues import queue_stepper


def test_the_stepper_starts_before_anything_runs():
    """At step 0 the burst sits on TX submission (8 of 12: the rest were dropped)."""
    box = queue_stepper(burst=12, capacity=8)
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
