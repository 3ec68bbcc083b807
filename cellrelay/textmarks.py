"""Marking texts for translation in modules that stay free of Django (rules, parsers).

``makemessages`` finds every ``gettext_noop("…")`` call; the service or API layer translates the
message with Django's gettext when it shows it.
"""


def gettext_noop(message: str) -> str:
    return message
