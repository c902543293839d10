"""Schemathesis generates requests for every operation from the OpenAPI document the app
serves (valid data and invalid data, with a token of the right role and without one) and
calls the app in-process over WSGI: no answer may be a 5xx, and every answer must match the
document (documented status, content type, headers, body schema). Schemathesis's other
checks run too: invalid data is refused, undocumented methods answer 405, a token operation
called without its token is refused. Only "valid data is accepted" is left out: a request
can match the schema and still be refused by a rule (a mark for a contestant of another
event is a 422).

Schemathesis's Python API is used (``from_wsgi`` and each operation's Hypothesis strategy)
rather than its pytest fixture loader, which does not run under pytest 9.2. A fixed seed
and a bounded number of examples keep the run short and repeatable.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from core.extensions import db
from craftsmen.models import NominationState
from indicators.services import load_plan
from tests.api.conftest import issue_token
from tests.certificates.samples import issue_for
from tests.competitions import results_data
from tests.competitions.test_marking import scoring_event
from tests.craftsmen.conftest import make_cycle, make_nomination
from tests.innovation_studios.factories import make_studio

#: Which user's token an operation is called with (others: the enterprise union's).
CALLER = {"listJudgeAssignments": "judge", "submitMarks": "judge"}
#: Every check of Schemathesis but one (see the module docstring).
EXCLUDED = [positive_data_acceptance]
#: Examples per operation and generation mode; anonymous calls get fewer.
EXAMPLES = 15
ANONYMOUS_EXAMPLES = 4
SETTINGS = {"deadline": None, "derandomize": True, "database": None,
            "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                      HealthCheck.filter_too_much, HealthCheck.data_too_large]}


@pytest.fixture
def fuzz_tokens(app, world):
    """Records the operations can find (a cycle with a draft, a scoring event, published
    results, a named studio, a certificate, the plan's indicators) and a token of each
    caller; rate limits lifted for the run."""
    from competitions.models import Event
    from competitions.services import results

    with app.app_context():
        cycle = make_cycle()
        make_nomination(cycle, world.worker_a, "钳工", NominationState.DRAFT)
        scoring_event(world)
        data = results_data.build(world)
        results.publish(db.session.get(Event, data.event_id), by=None)
        make_studio(world)
        issue_for(world.worker_a, "fuzz")
        load_plan()
        db.session.commit()
        tokens = {role: issue_token(getattr(world.users, role)) for role in ("enterprise", "judge")}
    limits = ("API_RATE_LIMIT_PER_TOKEN", "API_RATE_LIMIT_PER_IP", "CERTIFICATE_VERIFY_RATE_LIMIT")
    saved = {key: app.config[key] for key in limits}
    app.config.update(dict.fromkeys(limits, "100000 per minute"))
    yield tokens
    app.config.update(saved)


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())  # an operation the loader cannot read fails here
    return operations


def _operation_id(operation) -> str:
    return operation.definition.raw["operationId"]


def _fuzz(operation, mode: GenerationMode, headers: dict, examples: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, **SETTINGS)
    def run(case):
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

    try:
        run()
    except Exception as error:
        raise AssertionError(f"{_operation_id(operation)} ({mode.value}): {error}") from error


def test_every_operation_answers_generated_requests_by_its_schema(app, fuzz_tokens):
    operations = _operations(app)
    assert len(operations) >= 16
    for operation in operations:
        headers = {}
        if operation.definition.raw.get("security"):
            caller = CALLER.get(_operation_id(operation), "enterprise")
            headers["Authorization"] = f"Bearer {fuzz_tokens[caller]}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, EXAMPLES)


def test_without_a_token_every_operation_still_answers_by_its_schema(app, fuzz_tokens):
    for operation in _operations(app):
        _fuzz(operation, GenerationMode.POSITIVE, {}, ANONYMOUS_EXAMPLES)
