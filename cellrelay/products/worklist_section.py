"""The product circuit's block of the worklist, registered in pathway's worklist sections (the worklist is a room
below: it shows this block without importing products)."""

from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from cellrelay.journal.reads import shown
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway import worklist as pathway_worklist
from cellrelay.pathway.worklist import linked
from cellrelay.web import url_for_each

from . import worklist


def worklist_section(request, patients) -> str:
    """What the product's circuit waits for, by team (only the team the worklist shows); empty when nothing."""
    team = pathway_worklist.team_of(request)
    work = [(code, pathway_worklist.TEAMS[code], items, more)
            for code, items, more in worklist.build(patients, access.centers_for(request.user, Action.MANAGE_STORAGE))
            if team in (None, code)]
    if not work:
        return ""
    user = request.user
    shown(user, [item.episode.patient for _code, _label, items, _more in work for item in items if item.episode])
    # What the user may follow, asked once per action and the episodes' words and links once per page, not per row.
    allowed = {action: access.can(user, action) for action in {item.action for _c, _l, items, _m in work
                                                                for item in items}}
    may_view, chain_url, products = access.can(user, Action.VIEW_PATIENT), url_for_each("products:chain"), {}
    for _code, _label, items, _more in work:
        for item in items:
            item.allowed = allowed[item.action]
            if item.episode:
                template = item.episode.template
                item.product = products.setdefault(template.pk, template.get_product_display())
                item.patient_url = chain_url(item.episode.pk) if may_view else ""
    tables = [(code, label, _table(items), more) for code, label, items, more in work]
    return render_to_string("products/_worklist.html", {"product_work": tables, "cap": worklist.CAP}, request=request)


def _table(items) -> SafeString:
    """A team's items as a table, written in one pass (as the steps' sections, pathway.worklist.table): each text
    escaped here, an urgent item marked "now"."""
    now = format_html(' <span class="badge bad">{}</span>', gettext("now"))
    return mark_safe("<table><tbody>" + "".join(  # noqa: S308 - every text escaped
        (f'<tr class="overdue"><td>{_who(item)}</td><td>{_what(item)}{now}</td></tr>' if item.urgent else
         f"<tr><td>{_who(item)}</td><td>{_what(item)}</td></tr>") for item in items) + "</tbody></table>")


def _who(item) -> str:
    """The item's patient (linked to the product's chain when the user may open it) and product; a tank's: —."""
    if not item.episode:
        return "—"
    return f'{linked(str(item.episode.patient), item.patient_url)} <span class="help">{escape(item.product)}</span>'


def _what(item) -> str:
    """What to do, linked for who may do it."""
    return linked(item.label, item.url if item.allowed else "")
