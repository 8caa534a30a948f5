"""Fixtures of the model tests: a real RunEngine in the test process (see :mod:`.documents`)."""

import pytest

from .documents import new_run_engine, recorder


@pytest.fixture(scope="session")
def run_engine():
    return new_run_engine()


@pytest.fixture
def record(run_engine):
    return recorder(run_engine)
