"""``{% if user|can:"pathway.record_step" %}``: show a link only to whom the permission table lets follow it."""

from django import template

from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action

register = template.Library()


@register.filter
def can(user, action) -> bool:
    """Whether the user may perform the action somewhere; an unknown action name is an error, not a hidden link."""
    return access.can(user, Action(action))
