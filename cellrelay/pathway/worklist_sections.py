"""Sections that rooms above pathway add to the worklist page, so that pathway never imports them.

The rooms are layered (pathway may not import monitoring): a higher room registers a function in
its ``AppConfig.ready``; the worklist page calls each with the request and the patients the user
may see, and shows the HTML it returns (already rendered, and escaped by its templates), or
nothing when it returns an empty string.
"""

from cellrelay.hooks import Hook

# Each section is (request, patients) -> a rendered template (SafeString), "" when nothing to show.
_sections = Hook()
register = _sections.register


def render(request, patients) -> list[str]:
    """The registered sections that have something to show, in the order the rooms registered them."""
    return [html for html in (section(request, patients) for section in _sections) if html]
