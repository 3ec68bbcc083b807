"""Finding patients by what staff type: the start of a name, an INS, or an IPP."""

from django.db.models import Q

from .models import Patient


def search_patients(queryset, text: str):
    """Match the start of a family or given name, an INS, or any IPP."""
    text = text.strip()
    if not text:
        return queryset
    compact = text.replace(" ", "").upper()
    return queryset.filter(
        Q(family_name__istartswith=text)
        | Q(given_names__istartswith=text)
        | Q(ins__startswith=compact)
        | Q(local_ids__ipp__iexact=text)
    ).distinct()


def treated_patient_ids(text: str, center_ids: list[int]):
    """The ids of the patients treated at these centers that the text finds (the journal page's patient filter)."""
    return search_patients(Patient.objects.filter(treating_center_id__in=center_ids), text).values("pk")
