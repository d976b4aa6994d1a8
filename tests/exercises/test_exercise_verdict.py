"""Verdicts: each address trap's own error is explained by that trap, sums by the traps that
make them, and a right address is right in either of the dext's mappings."""

from vethlab.exercises.cases import build_cases, world_for
from vethlab.exercises.verdict import Outcome, explain_error, judge, trap_errors


def _case(**want):
    return next(
        c for c in build_cases("frame_address") if all(getattr(c, k) == v for k, v in want.items())
    )


def test_each_trap_explains_its_own_error_and_sums_explain_several():
    """In a native-flow case past the first segment with the quirk on, every address trap has
    an error, and the checker names exactly the traps whose errors were made."""
    case = _case(
        flow="native", position="past the first segment", quirk=True, requested_buffer_size=1600
    )
    world = world_for(case, {})
    packet = world.packet(case)
    errors = trap_errors(world, packet)
    assert set(errors) == {1, 2, 3, 4}
    assert errors[1] == -448 and errors[3] == -2 and errors[2] == -packet.getDataOffset()
    for number, error in errors.items():
        assert explain_error(world, packet, error) == (number,)
    assert explain_error(world, packet, errors[1] + errors[3] + errors[4]) == (1, 3, 4)
    assert explain_error(world, packet, 12345) == ()


def test_right_in_either_mapping_and_wrong_by_the_offset():
    """With the flag and the dext's own mapping, the frame has two right addresses; an address
    one byte late is wrong by +1 with no trap to blame."""
    case = _case(map_to_dext=True, dext_mapped=True)
    world = world_for(case, {})
    packet = world.packet(case)
    addresses = world.frame_addresses(packet)
    assert len(addresses) == 2 and addresses[0] != addresses[1]
    for address in addresses:
        assert judge(case, world, Outcome(value=address)).passed
    late = judge(case, world, Outcome(value=addresses[0] + 1))
    assert not late.passed and late.offset_error == 1 and late.traps == ()


def test_a_pool_offset_for_an_address_is_trap_5():
    """getDataVirtualAddress() + getDataOffset() on a pool without the flag is the frame's pool
    offset, not an address: trap 5, offset error 0."""
    case = _case(map_to_dext=False)
    world = world_for(case, {})
    packet = world.packet(case)
    result = judge(
        case, world, Outcome(value=packet.getDataVirtualAddress() + packet.getDataOffset())
    )
    assert not result.passed and result.traps == (5,) and result.offset_error == 0


def test_a_fault_is_trap_5_only_where_it_read_at_the_frames_pool_offset():
    """A fault at the frame's pool offset (the sample's formula on a pool without the flag) is
    trap 5; a fault at a null pointer is no trap, even where the dext has no mapping of its own."""
    for want in ({"map_to_dext": False}, {"dext_mapped": False}):
        case = _case(**want)
        world = world_for(case, {})
        packet = world.packet(case)
        at_frame = Outcome(problem="fault", error_type="fault", fault_address=packet.frame_offset())
        assert judge(case, world, at_frame).traps == (5,)
        null = Outcome(problem="fault", error_type="fault", fault_address=0)
        assert packet.frame_offset() != 0 and judge(case, world, null).traps == ()


def test_example_answers_are_the_scenarios_methods():
    """The example answers compute what vethlab.question's METHODS compute, case by case,
    wherever the method can run (the dext mapped the pool; today's API with the flag)."""
    from vethlab.exercises import EXAMPLES
    from vethlab.exercises.python import load_python
    from vethlab.question.scenario import METHODS

    examples = {
        "first_attempt": "frame_address_first_attempt.py",
        "question_fix": "frame_address_question_fix.py",
        "current_api": "frame_address_answer.py",
    }
    worlds = {}
    for key, name in examples.items():
        answer = load_python(EXAMPLES / name, "frame_address")
        for case in build_cases("frame_address")[::5]:
            runs = case.map_to_dext if key == "current_api" else case.dext_mapped
            if not runs:
                continue
            world = world_for(case, worlds)
            packet = world.packet(case)
            method = METHODS[key].function(world.dext, packet)
            assert answer(packet, world.exercise_pool) == method, (key, case)
