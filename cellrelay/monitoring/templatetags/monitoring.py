"""``{% monitoring_chart episode %}``: the episode's monitoring chart as an inline SVG (monitoring/chart.py)."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def monitoring_chart(episode):
    """The chart as safe HTML: every text in it is escaped by the chart module."""
    from cellrelay.monitoring.views import chart_svg

    return mark_safe(chart_svg(episode))  # noqa: S308 - built by monitoring.chart, which escapes every text
