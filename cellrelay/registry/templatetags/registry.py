from django import template

from cellrelay.registry.exports import shown_value as _shown_value

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key)


@register.simple_tag
def shown_value(item, value) -> str:
    return _shown_value(item, value)
