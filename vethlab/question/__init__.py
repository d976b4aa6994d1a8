"""The question, as scenarios you can run.

============  ==============================================================================
``scenario``  three ways a dext looks for a frame: first attempt, the question's fix, today's
              API; :func:`run_question`
``dext``      :class:`PacketDext`: the question's dext with its user client
``runs``      :func:`deliver`, :func:`compare_designs`: frames from the host to the app
============  ==============================================================================
"""

from vethlab.question.scenario import (
    METHODS,
    MethodResult,
    QuestionDext,
    QuestionReport,
    Reading,
    current_api,
    fill_pool,
    first_attempt,
    frame_room,
    question_fix,
    read_packet,
    run_question,
)

__all__ = [
    "METHODS",
    "MethodResult",
    "QuestionDext",
    "QuestionReport",
    "Reading",
    "current_api",
    "fill_pool",
    "first_attempt",
    "frame_room",
    "question_fix",
    "read_packet",
    "run_question",
]
