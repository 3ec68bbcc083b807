"""Documents of an episode that rooms above pathway offer beside the patient's plan (the follow-up room's alert
card), so that pathway never imports them.

A higher room registers, from its ``AppConfig.ready``, ``links(user, episode) -> list[Link]``: the documents this
user may open for this episode now (none when the document does not exist yet). The episode page shows them after
the plan's, in the order the rooms registered them.
"""

from dataclasses import dataclass

from cellrelay.hooks import Hook


@dataclass(frozen=True)
class Link:
    label: str
    url: str


_documents = Hook()
register = _documents.register


def links(user, episode) -> list[Link]:
    return _documents.gather(user, episode)
