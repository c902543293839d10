"""The registry of what features can issue in bulk, and issuing at once when a feature names
or awards someone (one certificate that cannot be issued never undoes the feature's change)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from certificates import sources
from certificates.models import Certificate
from core.extensions import db
from tests.certificates.samples import SAMPLE_SOURCE, SampleSource, register_sample, request_for


@pytest.fixture
def unregister():
    yield
    sources.unregister(SAMPLE_SOURCE)


def test_the_features_register_their_sources_when_the_app_starts(app):
    assert {"craftsmen.titles", "competitions.awards"} <= set(sources.names())
    assert str(sources.get("craftsmen.titles").label) == "北京大工匠选树周期"


def test_a_scope_is_found_by_source_and_id_and_offered_under_its_source(app, unregister):
    register_sample({"7": [], "8": []})
    with app.app_context():
        scope = sources.find_scope(SAMPLE_SOURCE, "8")
        assert (scope.source, scope.scope_id, scope.label, scope.source_label) == (
            SAMPLE_SOURCE, "8", "测试范围 8", "测试来源")
        assert sources.parse_key(scope.key) == (SAMPLE_SOURCE, "8")
        assert [s.key for s in sources.all_scopes() if s.source == SAMPLE_SOURCE] == [
            f"{SAMPLE_SOURCE}|7", f"{SAMPLE_SOURCE}|8"]
        assert sources.find_scope(SAMPLE_SOURCE, "9") is None
        assert sources.find_scope("no.such.source", "7") is None


@pytest.mark.parametrize("key", ["", "|", "tests.sample|", "|7", "no-bar"])
def test_a_malformed_scope_key_is_refused(key):
    assert sources.parse_key(key) is None


def test_registering_again_replaces_the_provider(unregister):
    first, second = SampleSource({}), SampleSource({})
    sources.register(SAMPLE_SOURCE, first)
    sources.register(SAMPLE_SOURCE, second)
    assert sources.get(SAMPLE_SOURCE) is second


@pytest.mark.parametrize("name", ["", "a|b", "x" * 41])
def test_a_source_name_must_fit_a_scope_key(name):
    with pytest.raises(ValueError):
        sources.register(name, SampleSource({}))


def test_issuing_at_once_skips_what_cannot_be_printed_and_issues_the_rest(app, world):
    with app.app_context():
        requests = [request_for(world.worker_a, "now:1"),
                    request_for(world.worker_b, "now:2", name="王\U00020000"),
                    request_for(world.worker_c, "now:3")]
        outcome = sources.issue_now(requests, by=None)
        db.session.commit()
        assert [c.source_key for c in outcome.certificates] == ["tests.now:1", "tests.now:3"]
        [(key, why)] = outcome.failures
        assert key == "tests.now:2" and "证书字体" in why
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2
        # Asking again issues nothing new.
        again = sources.issue_now(requests, by=None)
        assert [c.id for c in again.certificates] == [c.id for c in outcome.certificates]
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2
