"""Finding patients by what staff type: the start of a name, an INS, or an IPP.

One query, every branch answered by an index (identity.search_key, cellrelay/indexed_lookups.py): no DISTINCT, since the IPP
branch is a subquery on the patient's own key rather than a join.
"""

from django.db.models import F, Q

from cellrelay.indexed_lookups import InSubquery, StartsWithIndexed

from .identity import search_key
from .models import LocalId, Patient

# A count beyond this says "more than": counting every match of a short prefix in a national registry is work no one
# reads.
COUNT_CAP = 1000


def search_patients(queryset, text: str):
    """Match the start of the names (family then given, or given then family), the start of an INS, or an IPP."""
    text = text.strip()
    if not text:
        return queryset
    matches = Q(StartsWithIndexed(F("ins"), text.replace(" ", "").upper()))
    matches |= Q(InSubquery(F("pk"), LocalId.objects.filter(ipp=text).values("patient_id")))
    key = search_key(text)
    if key:
        matches |= Q(StartsWithIndexed(F("search_key"), key))
        matches |= Q(StartsWithIndexed(F("search_key_given_first"), key))
    # The matches in a subquery of their own, the scope (a center's patients) checked on each: ANDed with the
    # scope, SQLite reads every patient of the center through its index and tests the text on each.
    return queryset.filter(pk__in=Patient.objects.filter(matches).values("pk"))


def first_page(patients, size: int) -> tuple[list, int]:
    """The first `size` patients and how many there are, counted only when the page is full (up to COUNT_CAP + 1)."""
    page = list(patients[:size + 1])
    if len(page) <= size:
        return page, len(page)
    return page[:size], patients[:COUNT_CAP + 1].count()


def treated_patient_ids(text: str, center_ids: list[int]):
    """The ids of the patients treated at these centers that the text finds (the journal page's patient filter)."""
    return search_patients(Patient.objects.filter(treating_center_id__in=center_ids), text).values("pk")
