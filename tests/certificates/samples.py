"""Certificates for the download and batch tests, issued through the real service, and a
sample batch source (a scope of made-up titles) registered only while a test needs it."""

from __future__ import annotations

from datetime import date

from certificates import sources
from certificates.models import CertificateKind, HolderType
from certificates.services import issuing
from core.extensions import db
from core.people.models import Worker

SAMPLE_SOURCE = "tests.sample"


def request_for(worker_id: int, key: str, *, honour: str = "北京大工匠", name: str | None = None,
                kind: CertificateKind = CertificateKind.CRAFTSMAN_TITLE, details: dict | None = None,
                holder_type: HolderType = HolderType.WORKER) -> issuing.IssueRequest:
    """A title certificate of a worker (their enterprise may download it too); ``details``
    are printed after the worker's occupation and enterprise."""
    worker = db.session.get(Worker, worker_id)
    printed = {"工种": worker.occupation, "工作单位": worker.enterprise.name, **(details or {})}
    return issuing.IssueRequest(
        kind=kind, source_key=f"tests.{key}", holder_type=holder_type, holder_id=worker.id,
        holder_name=name or worker.name, honour=honour, details=printed,
        issued_on=date(2026, 5, 1), worker_id=worker.id, enterprise_id=worker.enterprise_id)


def issue_for(worker_id: int, key: str, **kwargs):
    """Issue (and flush) a certificate for ``worker_id``; needs an app context."""
    certificate = issuing.issue(request_for(worker_id, key, **kwargs), by=None)
    db.session.flush()
    return certificate


class SampleSource:
    """Scopes "a" (the given requests), "empty" (nothing issuable)."""

    label = "测试来源"

    def __init__(self, requests_by_scope: dict[str, list]):
        self.requests_by_scope = requests_by_scope

    def scopes(self):
        return [(scope_id, f"测试范围 {scope_id}") for scope_id in self.requests_by_scope]

    def requests(self, scope_id):
        return list(self.requests_by_scope.get(scope_id, []))


def register_sample(requests_by_scope: dict[str, list]) -> SampleSource:
    source = SampleSource(requests_by_scope)
    sources.register(SAMPLE_SOURCE, source)
    return source
