"""A bounded property-based run of every operation in /openapi.json, signed like a kiosk: whatever
the input, the service never answers with a server error (5xx)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from central.appointments import create_slots
from central.context import local_today
from central.settings import DEFAULT_CATALOGUE
from kiosk.services.api import KioskSigner
from tests.central.harness import KIOSK_ID, KIOSK_SECRET, CentralHarness

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralHarness]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    harness = CentralHarness.build(f"sqlite:///{tmp / 'central.sqlite3'}", tmp, catalogue=DEFAULT_CATALOGUE)
    for offset in range(3):
        create_slots(harness.central.database, "counter_application", local_today() + timedelta(days=offset),
                     [("09:00", "09:30")], capacity=2)
    harness.serve()
    yield harness
    harness.close()


@pytest.fixture(scope="module")
def api_schema(fuzzed: CentralHarness) -> schemathesis.BaseSchema:
    assert fuzzed.server is not None
    return schemathesis.openapi.from_url(f"{fuzzed.server.url}/openapi.json")


def fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, signer: KioskSigner,
         failures: list[str]) -> None:
    """Send ``max_examples`` generated requests for one operation; record any 5xx (or a refused
    signature, which would mean the fuzzing never got past authentication)."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        response = case.call(auth=signer, timeout=10)
        if response.status_code >= 500 or response.status_code == 401:
            failures.append(f"{case.method} {case.formatted_path} ({mode.value}): "
                            f"{response.status_code} {response.text[:200]}")

    try:
        check()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # An operation without parameters or body has no invalid variant to generate.


def test_no_request_makes_the_service_fail(api_schema: schemathesis.BaseSchema) -> None:
    """Every operation, valid and invalid inputs (schemathesis' positive and negative modes).

    Driven with plain Hypothesis ``@given`` per operation: schemathesis' own pytest plugin relies on
    a pytest private attribute that pytest 9 removed."""
    signer = KioskSigner(KIOSK_ID, bytes.fromhex(KIOSK_SECRET))
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 17
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode, signer, failures)
    assert not failures, "\n".join(failures[:20])
