"""``{% episode_timeline episode %}``: the episode's timeline as an inline SVG (pathway/timeline.py)."""

from django import template
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cellrelay.pathway import later_steps, timeline
from cellrelay.pathway.models import Milestone
from cellrelay.pathway.schedule import Kind
from cellrelay.referrals.models import MdtDecision, Referral

register = template.Library()


def texts() -> timeline.Texts:
    """The figure's words in the active language."""
    return timeline.Texts(
        title=_("Timeline of the treatment episode"),
        planned=str(Milestone.Status.PLANNED.label),
        done=str(Milestone.Status.DONE.label),
        cancelled=str(Milestone.Status.CANCELLED.label),
        today=_("Today"),
        referral=capfirst(Referral._meta.verbose_name),
        decision=capfirst(MdtDecision._meta.verbose_name),
        follow_up=_("Long-term follow-up"),
        format_date=lambda day: formats.date_format(day, "DATE_FORMAT"),
        format_tick=lambda day: formats.date_format(day, "MONTH_DAY_FORMAT"),
        format_month=lambda day: formats.date_format(day, "YEAR_MONTH_FORMAT"),
    )


def items(milestones, later=()) -> list[timeline.Item]:
    """The milestones, then the later steps the rooms above plan (the follow-up visits)."""
    return [timeline.Item(label=m.label, kind=m.kind, planned=m.planned, actual=m.actual, status=m.status,
                          code=m.display_code) for m in milestones] + [
        timeline.Item(label=s.label, kind=s.kind, planned=s.planned, actual=s.actual, status=s.status, code=s.code)
        for s in later]


def svg_for(episode, today=None) -> str:
    """The SVG of a planned episode; "" while nothing is planned."""
    milestones = list(episode.milestones.all())  # in sequence (Milestone.Meta.ordering); prefetched when read
    infusion = next((m for m in milestones if m.kind == Kind.INFUSION), None)
    if infusion is None:
        return ""
    decision = episode.decision
    return timeline.render(
        items(milestones, later_steps.of(episode)), referral=decision.referral.received_on, decision=decision.meeting.held_on,
        d0=infusion.actual or infusion.planned, today=today or timezone.localdate(), texts=texts())


@register.simple_tag
def episode_timeline(episode):
    """The timeline as safe HTML: every text in it is escaped by the module."""
    return mark_safe(svg_for(episode))  # noqa: S308 - built by pathway.timeline, which escapes every text
