"""The labels of a collection (labels.py): what each label says, and the PDF."""

import re

import pytest
from django.utils import translation

from cellrelay.products import isbt128, labels
from tests.products.test_custody import DIN_A, collected

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(episode, users):
    return labels.label_data(collected(episode, users))


def test_what_a_label_says(data, patient):
    assert data.din == DIN_A
    assert data.family_name == "GARNIER" and data.given_names == "Michel"
    assert data.birth_date == "14 May 1962"
    assert data.ipp == "IPP00001"  # the IPP at the treating center
    assert data.ins == patient.ins_display and data.ins
    assert data.volume == "250.0 mL"
    assert data.product.startswith("Yescarta")
    assert data.center == patient.treating_center.name


def test_the_barcode_is_the_din_data_structure_with_its_check_flag(data):
    structure = isbt128.parse(data.barcode_data)
    assert structure.name == "din" and structure.fields["din"] == DIN_A
    assert structure.fields["flag_type"] == "check"  # type 3: 60 + the mod 37-2 checksum
    assert data.check_character == isbt128.mod37_2(DIN_A)
    assert data.eye_readable == "G1234 26 000001"


def test_one_page_of_six_labels(data):
    pdf = labels.build(data)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    assert pdf.count(b"(G1234 26 000001) Tj") == 6  # uncompressed: the eye-readable DIN on each label
    assert pdf.count(f"({data.flags}) Tj".encode()) == 6
    assert labels.build(data) == pdf  # reproducible (invariant)


def test_more_labels_take_more_pages(data):
    assert len(re.findall(rb"/Type /Page\b", labels.build(data, count=7))) == 2


def test_the_labels_in_french(data):
    with translation.override("fr"):
        assert labels.build(data).startswith(b"%PDF")


def test_a_patient_without_ipp_or_ins(episode, users, patient):
    patient.local_ids.all().delete()
    type(patient).objects.filter(pk=patient.pk).update(ins=None)
    data = labels.label_data(collected(episode, users))
    assert data.ipp == "" and data.ins == ""
    assert labels.build(data).startswith(b"%PDF")
