"""The exercise tests' fixture: ``report(name)``, an example answer's report."""

import pytest
from exercise_support import report_of


@pytest.fixture
def report():
    return report_of
