"""The patient alert card's download, and its links on the episode page (from the infusion on)."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from cellrelay.journal.services import record_document_read
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.episode_documents import Link
from cellrelay.pathway.models import Episode
from cellrelay.patients.access import reach

from . import alert_card

EPISODES = Episode.objects.select_related("template", "decision", "patient__treating_center")


def _language(request) -> str:
    """The card's language: ?lang=fr|en, else the page's."""
    asked = request.GET.get("lang", "")
    return asked if asked in dict(settings.LANGUAGES) else translation.get_language()


@access.requires(Action.VIEW_PATIENT)
def alert_card_pdf(request, pk):
    episode = reach(request.user, EPISODES, pk, Action.VIEW_PATIENT, patient="patient",
                    journal_read=False)  # 404 out of scope; journaled below as the document's read
    language = _language(request)
    with translation.override(language):
        try:
            card = alert_card.card_for(episode)
        except alert_card.NotInfused:
            raise Http404("no alert card before the infusion") from None
        content = alert_card.build(card, author=episode.patient.treating_center.name)
    # Its own transaction (a view on a real server runs outside any): after the card is built, so that a card
    # that could not be given is not journaled as read.
    record_document_read("alert_card", episode.patient, actor=request.user, obj=episode,
                         details={"language": language})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="alert-card-{episode.pk}-{language}.pdf"'
    add_never_cache_headers(response)
    return response


def episode_links(user, episode) -> list[Link]:
    """The card in French and in English, once the patient is infused (the episode page: a read already allowed)."""
    if alert_card.infusion_date(episode) is None:
        return []
    url = reverse("followup:alert_card", args=[episode.pk])
    return [Link(_("Patient alert card (PDF, French)"), f"{url}?lang=fr"),
            Link(_("Patient alert card (PDF, English)"), f"{url}?lang=en")]
