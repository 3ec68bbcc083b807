"""Finding patients by what staff type: the start of a name, an INS, or an IPP.

Every branch is answered by an index (identity.search_key, cellrelay/indexed_lookups.py), with no DISTINCT. A page of
results is read branch by branch, each in its own index's order and stopped at the page's end: the IPP or INS found,
then the names whose family name starts with the text (in name order), then those whose given name does (in given
name order). Sorting every match by name instead reads them all: a few letters match thousands of patients in a
national registry. The user's scope is checked on each patient found (by its primary key), so that the walk stays
on the search's own index whatever the number of patients of the center.
"""

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from cellrelay.indexed_lookups import Bytewise, InSubquery, StartsWithIndexed

from .identity import search_key
from .models import LocalId, Patient

# A count beyond this says "more than": four pages of 50, past which the answer is to type more letters. Each patient
# counted is one index entry and one check of the user's scope; at 1,000 the count was most of the page's SQL at
# 100,000 episodes (two branches of "mar" read 2,002 patients on PostgreSQL, about 10 ms, for a page of 50), and a
# center's usual searches stay below 200 and are exact.
COUNT_CAP = 200


def _identifiers(text: str) -> Q:
    return (Q(StartsWithIndexed(F("ins"), text.replace(" ", "").upper()))
            | Q(InSubquery(F("pk"), LocalId.objects.filter(ipp=text).values("patient_id"))))


def _matches(text: str) -> Q:
    """Match the start of the names (family then given, or given then family), the start of an INS, or an IPP."""
    matches = _identifiers(text)
    key = search_key(text)
    if key:
        matches |= Q(StartsWithIndexed(F("search_key"), key))
        matches |= Q(StartsWithIndexed(F("search_key_given_first"), key))
    return matches


def _in_scope(queryset: QuerySet) -> Exists:
    return Exists(queryset.order_by().filter(pk=OuterRef("pk")))


def search_patients(queryset: QuerySet, text: str) -> QuerySet:
    """The patients of ``queryset`` that the text finds, unordered (a filter, a count, the journal's patients)."""
    text = text.strip()
    if not text:
        return queryset
    # The matches in a subquery of their own, the scope (a center's patients) checked on each: ANDed with the
    # scope, SQLite reads every patient of the center through its index and tests the text on each.
    return queryset.filter(pk__in=Patient.objects.filter(_matches(text)).values("pk"))


def _branches(queryset: QuerySet, text: str) -> list[QuerySet]:
    """The searches in the order their patients are listed, each in the order of its own index."""
    found = Patient.objects.filter(_in_scope(queryset)).select_related(*_related(queryset))
    branches = [found.filter(_identifiers(text)).order_by(Bytewise("search_key"), "pk")]  # an IPP, an INS: a few
    key = search_key(text)
    if key:
        branches.append(found.filter(StartsWithIndexed(F("search_key"), key)).order_by(Bytewise("search_key"), "pk"))
        branches.append(found.filter(StartsWithIndexed(F("search_key_given_first"), key))
                        .order_by(Bytewise("search_key_given_first"), "pk"))
    return branches


def _related(queryset: QuerySet) -> tuple[str, ...]:
    related = queryset.query.select_related
    return tuple(related) if isinstance(related, dict) else ()


def found_patients(queryset: QuerySet, text: str, stop: int, start: int = 0) -> list[Patient]:
    """The patients ``start`` to ``stop`` of what the text finds among ``queryset``; without text, ``queryset`` in
    its order. Each branch reads at most ``stop`` rows of its index; a patient found by two is listed once."""
    text = text.strip()
    if not text:
        return list(queryset[start:stop])
    seen, found = set(), []
    for branch in _branches(queryset, text):  # every branch, found or not: as many queries whatever the data
        for patient in branch[:stop]:
            if patient.pk not in seen:
                seen.add(patient.pk)
                found.append(patient)
    return found[start:stop]


def first_page(patients: QuerySet, text: str, size: int) -> tuple[list, int]:
    """The first `size` patients found and how many there are, up to COUNT_CAP + 1.

    With a text, each branch reads the ids of at most COUNT_CAP + 1 patients from its index (and checks each against
    the scope): the page is their first `size`, read in one more query, and the count is how many distinct ids were
    found, exact below the cap. Counting the OR of the branches instead walks every patient in scope until the cap
    on PostgreSQL, and gathers every match first on SQLite."""
    text = text.strip()
    if not text:
        page = list(patients[:size + 1])
        if len(page) <= size:
            return page, len(page)
        return page[:size], patients.order_by()[:COUNT_CAP + 1].count()
    found: dict[int, None] = {}  # the ids in the order found
    for branch in _branches(patients, text):
        found.update(dict.fromkeys(branch.values_list("pk", flat=True)[:COUNT_CAP + 1]))
    ids = list(found)[:size]
    by_pk = patients.in_bulk(ids)
    return [by_pk[pk] for pk in ids], min(len(found), COUNT_CAP + 1)


def treated_patient_ids(text: str, center_ids: list[int]):
    """The ids of the patients treated at these centers that the text finds (the journal page's patient filter)."""
    return search_patients(Patient.objects.filter(treating_center_id__in=center_ids), text).values("pk")
