"""Sections that rooms above pathway add to the worklist page, so that pathway never imports them.

The rooms are layered (pathway may not import monitoring): a higher room registers a function in
its ``AppConfig.ready``; the worklist page calls each with the request and the patients the user
may see, and shows the HTML it returns (already rendered, and escaped by its templates), or
nothing when it returns an empty string.
"""

from collections.abc import Callable

Section = Callable[..., str]  # (request, patients) -> a rendered template (SafeString), "" when nothing to show

_sections: list[Section] = []


def register(section: Section) -> None:
    if section not in _sections:  # ready() may run more than once (tests, reloads)
        _sections.append(section)


def render(request, patients) -> list[str]:
    """The registered sections that have something to show, in the order the rooms registered them."""
    return [html for html in (section(request, patients) for section in _sections) if html]
