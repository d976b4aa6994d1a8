"""``vethlab bench userclient``: the JSON's shape, with tiny counts (nothing here is timed)."""

import argparse
import json

from vethlab.bench import userclient as bench_userclient
from vethlab.cli import main
from vethlab.question.runs import design_costs
from vethlab.wire.frames import mixed_frames

KEYS = {"per_packet_pps", "batch_pps", "shared_mapping_pps", "bare_copy_pps"}
DESIGNS = {"per_packet", "batch", "shared_mapping"}
COST_KEYS = {
    "calls_per_frame",
    "copies_per_frame",
    "bytes_copied_per_frame",
    "notifications_per_frame",
}


def test_measure_returns_the_four_figures_and_the_costs():
    """The four pps keys are positive numbers; ratios, costs and the identity check come along."""
    result = bench_userclient.measure(frames_per_round=4, repeat=1)
    assert set(result) >= KEYS
    assert all(isinstance(result[k], float) and result[k] > 0 for k in KEYS)
    assert set(result["ratios"]) == DESIGNS
    assert set(result["costs"]) == DESIGNS
    assert all(set(row) == COST_KEYS for row in result["costs"].values())
    assert result["identical"] is True
    assert (result["frames_per_round"], result["repeat"]) == (4, 1)


def test_the_goals_are_retired():
    """The JSON has no goals and no goals_met; the text names no goal."""
    text, result = bench_userclient.run(argparse.Namespace(userclient_frames=2, repeat=1))
    assert not {"goals", "goals_met"} & set(result)
    assert "goal" not in text


def test_the_costs_are_those_of_design_costs_for_the_same_frames():
    """costs is design_costs of the round's frames, all handed over at once (deterministic)."""
    result = bench_userclient.measure(frames_per_round=16, repeat=1)
    frames = mixed_frames(16, seed=0)
    assert result["costs"] == design_costs(frames, get_packet="safe", buffer_size=2048, packets=16)
    # 16 frames in one round: per packet, open + register + 16 GetPackets + the empty one + close
    assert result["costs"]["per_packet"]["calls_per_frame"] == 20 / 16
    assert result["costs"]["per_packet"]["copies_per_frame"] == 2.0


def test_run_prints_a_table_of_the_designs():
    """run(args) gives a text table naming every design and the JSON object."""
    args = argparse.Namespace(userclient_frames=3, repeat=1)
    text, result = bench_userclient.run(args)
    assert set(result) >= KEYS
    for name in ("per_packet", "batch", "shared_mapping", "bare_copy"):
        assert name in text
    assert "byte for byte" in text


def test_the_cli_prints_json(capsys):
    """vethlab bench userclient --json prints the four pps keys and costs, and no goals."""
    assert main(["bench", "userclient", "--json", "--repeat", "1", "--userclient-frames", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= KEYS and result["frames_per_round"] == 2
    assert {design: set(row) for design, row in result["costs"].items()} == dict.fromkeys(
        DESIGNS, COST_KEYS
    )
    assert not {"goals", "goals_met"} & set(result)
