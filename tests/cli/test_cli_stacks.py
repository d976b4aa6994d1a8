"""vethlab layout --stack: each stack's answer, its refusals and its own options."""

import json

import pytest

from vethlab.cli import main
from vethlab.cli.stacks import StackRefused
from vethlab.ioreturn import IOReturnError
from vethlab.stacks import SHARED_KEYS


def run_json(capsys, *argv):
    assert main(["layout", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_default_is_todays_ndk_output(capsys):
    """No --stack, or --stack ndk: the NDK pool's JSON, without the other stacks' keys."""
    plain = run_json(capsys, "--segment-size", "65536")
    assert run_json(capsys, "--stack", "ndk", "--segment-size", "65536") == plain
    assert plain["buffer_size"] == 2048 and "stack" not in plain


@pytest.mark.parametrize(
    "stack,expect",
    [
        ("netmap", {"buffer_size": 1600, "stride": 1600, "usable_size": 1600, "headroom": 0}),
        (
            "dpdk",
            {
                "buffer_size": 1600,
                "stride": 1856,
                "usable_size": 1472,
                "headroom": 128,
                "first_data_offset": 128,
            },
        ),
        ("skb", {"buffer_size": 2048, "stride": 2048, "usable_size": 1728, "headroom": 0}),
        ("mbuf", {"buffer_size": 2048, "stride": 2048, "usable_size": 2048, "headroom": 0}),
    ],
)
def test_1600_on_each_stack(capsys, stack, expect):
    data = run_json(capsys, "--stack", stack, "--buffer-size", "1600")
    assert list(data)[: len(SHARED_KEYS)] == list(SHARED_KEYS)
    assert data["stack"] == stack and data["requested_buffer_size"] == 1600
    assert {k: data[k] for k in expect} == expect
    assert stack in data and "provenance" in data


def test_netmap_own_fields(capsys):
    data = run_json(capsys, "--stack", "netmap", "--buffer-size", "1600", "--packets", "32")
    assert data["buffer_count"] == 64 and data["buffer_offsets"][5] == 8000
    assert data["netmap"]["nr_buf_size"] == 1600 and data["netmap"]["clustentries"] == 64


def test_af_xdp_1600_is_refused_with_its_reason(capsys):
    """A refusal: not 0, the stack's errno and reason on stderr, nothing on stdout."""
    assert main(["layout", "--stack", "af_xdp", "--buffer-size", "1600"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "-EINVAL" in captured.err and "XDP_UMEM_MIN_CHUNK_SIZE (2048)" in captured.err
    assert "kIOReturn" not in captured.err


def test_a_refusal_exits_1():
    """A request the stack refuses is a refused run: exit status 1."""
    assert main(["layout", "--stack", "af_xdp", "--buffer-size", "1600"]) == 1


def test_a_refusal_is_an_ioreturn_error():
    from argparse import Namespace

    from vethlab.cli import stacks

    args = Namespace(stack="af_xdp", buffer_size=1600, packets=32, rows=8)
    with pytest.raises(StackRefused) as err:
        stacks.run(args)
    assert isinstance(err.value, IOReturnError)
    assert err.value.stack_error.errno == "EINVAL"


def test_af_xdp_options(capsys):
    data = run_json(
        capsys, "--stack", "af_xdp", "--buffer-size", "2048", "--headroom", "64", "--packets", "4"
    )
    assert data["first_data_offset"] == 320 and data["af_xdp"]["headroom"] == 64
    data = run_json(
        capsys,
        "--stack",
        "af_xdp",
        "--buffer-size",
        "3000",
        "--mode",
        "unaligned",
        "--packets",
        "4",
    )
    assert data["buffer_offsets"] == [0, 3000, 6000, 9000]
    assert main(["layout", "--stack", "af_xdp", "--buffer-size", "3000"]) != 0
    assert "power of two" in capsys.readouterr().err


def test_dpdk_options(capsys):
    assert run_json(capsys, "--stack", "dpdk")["stride"] == 1856
    assert run_json(capsys, "--stack", "dpdk", "--no-spread")["stride"] == 1792
    assert run_json(capsys, "--stack", "dpdk", "--mem-channels", "1")["stride"] == 1792
    assert run_json(capsys, "--stack", "dpdk", "--headroom", "256")["usable_size"] == 1344
    assert main(["layout", "--stack", "dpdk", "--priv-size", "4"]) != 0
    assert "rte_errno = EINVAL" in capsys.readouterr().err


def test_skb_and_mbuf_options(capsys):
    data = run_json(capsys, "--stack", "skb", "--allocator", "netdev_alloc_skb")
    assert (data["buffer_size"], data["headroom"], data["usable_size"]) == (1984, 64, 1600)
    assert run_json(capsys, "--stack", "skb", "--reserve", "2")["first_data_offset"] == 2
    assert run_json(capsys, "--stack", "mbuf", "--m-adj", "2")["first_data_offset"] == 2
    assert main(["layout", "--stack", "mbuf", "--buffer-size", "5000"]) != 0
    assert "m_get2() returns NULL" in capsys.readouterr().err


def test_netmap_options_and_refusal(capsys):
    data = run_json(capsys, "--stack", "netmap", "--max-offset", "128", "--initial-offset", "64")
    assert data["first_data_offset"] == 64 and data["headroom"] == 0
    assert main(["layout", "--stack", "netmap", "--buffer-size", "70000"]) != 0
    assert "out of range [64, 65536]" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,words",
    [
        (["--stack", "netmap", "--mode", "aligned"], "--mode applies to --stack af_xdp only"),
        (["--headroom", "8"], "--headroom applies to --stack af_xdp or dpdk only"),
        (["--stack", "skb", "--buffers", "40"], "--buffers applies to --stack ndk only"),
        (["--stack", "mbuf", "--reserve", "2"], "--reserve applies to --stack skb only"),
    ],
)
def test_an_option_the_stack_lacks_is_an_error(capsys, argv, words):
    assert main(["layout", *argv]) != 0
    assert words in capsys.readouterr().err


def test_text_report(capsys):
    assert main(["layout", "--stack", "dpdk", "--rows", "3"]) == 0
    out = capsys.readouterr().out
    assert "buffer size      1600 (buf_len)" in out and "stride           1856" in out
    assert "where each value comes from:" in out and "modelled" in out
    assert "... 29 more" in out
