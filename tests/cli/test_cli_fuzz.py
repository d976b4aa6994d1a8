"""Command lines whose every option is allowed, drawn at random: each run succeeds (0) or is
refused by the simulated Mac (1, one line with its kIOReturn code); never an internal error,
a traceback or a status 2 (the parser let the values through, so they were usable).

The counts are kept small here so the test is quick; test_maxima.py runs the largest."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from vethlab import cli


def ints(low: int, high: int, small: int | None = None):
    """Both ends of a range, and values between (up to ``small`` when given, for speed)."""
    top = high if small is None else min(high, small)
    return st.one_of(st.just(low), st.just(top), st.integers(low, top)).map(str)


def flat(parts) -> list[str]:
    return [word for part in parts for word in part]


def maybe(option: str, values):
    return st.one_of(st.just([]), values.map(lambda v: [option, v]))


machine = st.tuples(
    maybe("--profile", st.sampled_from(["apple-silicon", "intel"])),
    maybe("--segment-size", st.sampled_from(["65536", "81920"])),
    maybe("--seed", ints(0, 2**32 - 1)),
    maybe("--buffer-size", ints(1, 65536)),
).map(lambda parts: flat(parts))

layout = st.tuples(
    machine,
    maybe("--packets", ints(1, 131072, 2000)),
    maybe("--buffers", ints(1, 131072, 4000)),
    maybe("--rows", ints(0, 131072, 40)),
).map(lambda parts: ["layout", *flat(parts)])

question = st.tuples(
    machine,
    maybe("--packets", ints(1, 4096, 12)),
    maybe("--headroom", ints(0, 255)),
    maybe("--data-offset", ints(0, 65535, 3000)),
    st.sampled_from([[], ["--no-quirk"]]),
).map(lambda parts: ["question", *flat(parts)])

ping = st.tuples(
    maybe("--count", ints(0, 5000, 3)),
    maybe("--packets", ints(1, 131072, 200)),
    maybe("--capacity", ints(1, 2**32 - 1, 200)),
    maybe("--design", st.sampled_from(["per_packet", "batch", "shared_mapping"])),
    maybe("--flow", st.sampled_from(["bsd", "native"])),
    maybe("--seed", ints(0, 2**32 - 1)),
).map(lambda parts: ["ping", *flat(parts)])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(argv=st.one_of(layout, question, ping), as_json=st.booleans())
def test_allowed_values_run_or_are_refused_in_one_line(argv, as_json, capsys, monkeypatch):
    monkeypatch.delenv("VETHLAB_TRACEBACK", raising=False)
    status = cli.main(argv + (["--json"] if as_json else []))
    out, err = capsys.readouterr()
    if status == 0:
        assert err == "" and out
    elif argv[0] == "ping" and err == "":  # replies lost (a pool too small for its queues)
        assert status == 1
        assert ('"received"' in out) if as_json else ("replies received" in out), out
    else:
        assert status == 1, err
        assert err.count("\n") == 1 and err.startswith(f"vethlab {argv[0]}: kIOReturn"), err
