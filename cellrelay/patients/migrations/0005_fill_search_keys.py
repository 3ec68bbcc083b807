"""Fill the search keys of the patients registered before they existed (identity.search_key)."""

from django.db import migrations

from cellrelay.patients.identity import search_key

BATCH = 2000


def fill_search_keys(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    batch = []
    for patient in Patient.objects.only("family_name", "given_names").iterator(chunk_size=BATCH):
        patient.search_key = search_key(patient.family_name, patient.given_names)
        patient.search_key_given_first = search_key(patient.given_names, patient.family_name)
        batch.append(patient)
        if len(batch) == BATCH:
            Patient.objects.bulk_update(batch, ["search_key", "search_key_given_first"])
            batch = []
    Patient.objects.bulk_update(batch, ["search_key", "search_key_given_first"])


class Migration(migrations.Migration):
    dependencies = [("patients", "0004_search_keys")]

    operations = [migrations.RunPython(fill_search_keys, migrations.RunPython.noop)]
