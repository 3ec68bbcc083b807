"""The product circuit's block of the worklist, registered in pathway's worklist sections (the worklist is a room
below: it shows this block without importing products)."""

from django.template.loader import render_to_string

from cellrelay.journal.reads import shown
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway import worklist as pathway_worklist
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
    return render_to_string("products/_worklist.html", {"product_work": work, "cap": worklist.CAP}, request=request)
