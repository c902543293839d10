"""Sections other parts of the feature add to a studio's page (achievements, funding,
assessments, alliances), without editing the page's template.

A part registers a template and a function that builds its context::

    from innovation_studios.studios import sections

    sections.register("innovation_studios/achievements/_studio_section.html",
                      lambda studio, user: {"achievements": recent_achievements(studio)},
                      order=20)

The studio page (``innovation_studios/detail.html``) includes each registered template in
``order``, with ``studio`` and ``section`` (the context the function returned) in scope.
With ``public=True`` the section is also included on the public studio page, where ``user``
is the anonymous visitor: show nothing personal there. Keep each context function to a
constant number of queries (the page must stay fast with 80,000 achievements).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable | None
    order: int
    public: bool


@dataclass(frozen=True)
class Rendered:
    template: str
    context: dict


_SECTIONS: dict[str, Section] = {}


def register(template: str, context: Callable | None = None, *, order: int = 100,
             public: bool = False) -> None:
    """Add (or replace) the section rendered by ``template``."""
    _SECTIONS[template] = Section(template, context, order, public)


def for_studio(studio, user, *, public: bool = False) -> list[Rendered]:
    """The sections of ``studio`` to include, with their contexts (None context: skipped)."""
    found = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.template)):
        if public and not section.public:
            continue
        context = section.context(studio, user) if section.context is not None else {}
        if context is not None:
            found.append(Rendered(section.template, context))
    return found
