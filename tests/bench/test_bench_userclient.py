"""``vethlab bench userclient``: the JSON's shape, with tiny counts (nothing here is timed)."""

import argparse
import json

from vethlab.bench import userclient as bench_userclient
from vethlab.cli import main

KEYS = {"per_packet_pps", "batch_pps", "shared_mapping_pps", "bare_copy_pps"}


def test_measure_returns_the_four_figures_and_the_goals():
    """The four pps keys are positive numbers; ratios, goals and the identity check come along."""
    result = bench_userclient.measure(frames_per_round=4, repeat=1)
    assert set(result) >= KEYS
    assert all(isinstance(result[k], float) and result[k] > 0 for k in KEYS)
    assert set(result["ratios"]) == {"per_packet", "batch", "shared_mapping"}
    assert result["goals"] == {"shared_mapping": 0.25, "per_packet": 0.05}
    assert set(result["goals_met"]) == set(result["goals"])
    assert result["identical"] is True
    assert (result["frames_per_round"], result["repeat"]) == (4, 1)


def test_run_prints_a_table_of_the_designs():
    """run(args) gives a text table naming every design and the JSON object."""
    args = argparse.Namespace(userclient_frames=3, repeat=1)
    text, result = bench_userclient.run(args)
    assert set(result) >= KEYS
    for name in ("per_packet", "batch", "shared_mapping", "bare_copy"):
        assert name in text
    assert "byte for byte" in text


def test_the_cli_prints_json(capsys):
    """vethlab bench userclient --json prints the JSON with the four keys."""
    assert main(["bench", "userclient", "--json", "--repeat", "1", "--userclient-frames", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= KEYS and result["frames_per_round"] == 2
