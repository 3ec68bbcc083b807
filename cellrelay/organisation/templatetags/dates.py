"""``{{ milestone.planned|weekday }}``: a day of a schedule with its weekday, the language's one way (cellrelay.formats)."""

from django import template

from cellrelay import formats

register = template.Library()


@register.filter
def weekday(value) -> str:
    return formats.weekday(value) if value else ""
