"""What features can issue in bulk: a registry of source providers.

A feature registers one provider per kind of thing it certifies, under a name of its own
(``craftsmen.titles``, ``competitions.awards``, ...), when the app starts. A provider says
what a *scope* is for it (a selection cycle, an event, a naming year, an alliance), lists
the scopes there are, and turns a scope into the :class:`~certificates.services.issuing.IssueRequest`
of everything issuable in it. Batch issuing (:mod:`certificates.services.batches`) knows
features only through this registry, so this package never imports a feature.

A provider is any object with::

    label: str                          # what a scope is, e.g. "北京大工匠选树周期"
    def scopes() -> list[tuple[str, str]]          # [(scope id, label)], newest first
    def requests(scope_id: str) -> list[IssueRequest]

Scope ids are text (an id, a year, ...); a provider refuses ids it does not know by
returning no requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from certificates.services.issuing import IssueRequest


class SourceProvider(Protocol):
    label: object

    def scopes(self) -> Sequence[tuple[str, str]]: ...

    def requests(self, scope_id: str) -> Sequence[IssueRequest]: ...


@dataclass(frozen=True)
class Scope:
    """One scope of one source, as the batch form offers it."""

    source: str
    scope_id: str
    label: str
    source_label: str

    @property
    def key(self) -> str:
        """``source|scope`` as a form value (source names hold no ``|``)."""
        return f"{self.source}|{self.scope_id}"


_PROVIDERS: dict[str, SourceProvider] = {}


def register(name: str, provider: SourceProvider) -> None:
    """Register (or replace: app factories run more than once in tests) ``provider``."""
    if not name or "|" in name or len(name) > 40:
        raise ValueError(f"invalid certificate source name: {name!r}")
    _PROVIDERS[name] = provider


def unregister(name: str) -> None:
    _PROVIDERS.pop(name, None)


def get(name: str) -> SourceProvider | None:
    return _PROVIDERS.get(name)


def names() -> list[str]:
    return list(_PROVIDERS)


def all_scopes() -> list[Scope]:
    """Every scope of every registered source, source by source in registration order."""
    return [Scope(name, str(scope_id), str(label), str(provider.label))
            for name, provider in _PROVIDERS.items()
            for scope_id, label in provider.scopes()]


def find_scope(source: str, scope_id: str) -> Scope | None:
    """The scope ``scope_id`` of ``source``, or None when either is unknown."""
    provider = _PROVIDERS.get(source)
    if provider is None:
        return None
    for candidate, label in provider.scopes():
        if str(candidate) == str(scope_id):
            return Scope(source, str(candidate), str(label), str(provider.label))
    return None


def parse_key(key: str) -> tuple[str, str] | None:
    """``(source, scope id)`` from :attr:`Scope.key`, or None when malformed."""
    source, bar, scope_id = (key or "").partition("|")
    return (source, scope_id) if bar and source and scope_id else None


@dataclass(frozen=True)
class IssueOutcome:
    """What :func:`issue_now` did: the certificates, and the requests it could not issue."""

    certificates: list
    #: (source key, why) of each request refused, e.g. a name the font cannot print.
    failures: list[tuple[str, str]]


def issue_now(requests: Sequence[IssueRequest], *, by) -> IssueOutcome:
    """Issue ``requests`` at once, as a feature does when it names or awards someone.

    Each request is issued in a savepoint: one that cannot be issued (a character the
    certificate font lacks, no font configured) is skipped and reported instead of undoing the
    feature's own change. The batch page issues the skipped ones later and says why.
    """
    import logging

    from certificates.services import issuing
    from core.config import ConfigurationError
    from core.errors import DomainError
    from core.extensions import db

    issued, failures = [], []
    for request in requests:
        try:
            with db.session.begin_nested():
                issued.append(issuing.issue(request, by=by))
        except (DomainError, ConfigurationError) as error:
            failures.append((request.source_key, str(error)))
            logging.getLogger(__name__).warning("证书未能颁发（%s）：%s", request.source_key,
                                                type(error).__name__)
    return IssueOutcome(issued, failures)
