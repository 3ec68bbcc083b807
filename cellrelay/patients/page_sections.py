"""Sections that rooms above patients add to the patient's page (treatment episodes, referrals), so that the
patients room never imports them.

A higher room registers, from its ``AppConfig.ready``, ``section(request, patient) -> str``: the HTML of its
section, already rendered (and escaped by its template), or "" when it has nothing to show. ``place`` orders the
sections on the page, lowest first, whatever the order in which the rooms start.
"""

from collections.abc import Callable

Section = Callable[..., str]

_sections: dict[Section, int] = {}


def register(section: Section, *, place: int) -> None:
    _sections[section] = place  # ready() may run more than once (tests, reloads): registered once


def render(request, patient) -> list[str]:
    """The registered sections that have something to show, in their places."""
    ordered = sorted(_sections, key=_sections.get)
    return [html for html in (section(request, patient) for section in ordered) if html]
