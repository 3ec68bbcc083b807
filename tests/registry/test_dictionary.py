"""The item dictionary as data: the shipped files load, and the loader refuses what contradicts itself."""

import shutil
from datetime import date

import pytest

from cellrelay.registry import dictionary
from cellrelay.registry.dictionary import DictionaryError, load

SOURCES = frozenset({"patient.sex", "patient.birth_date", "followup.new_malignancy_date"})

ITEM = """
[[item]]
code = "{code}"
label_en = "Sex"
label_fr = "Sexe"
type = "text"
source = "{source}"
cite = "a form"
"""


def form(code="f1", registry="atih", items='["sex"]', timepoints='["ordering"]', due='{ anchor = "decision", days = 30 }'):
    return f"""
[[form]]
registry = "{registry}"
code = "{code}"
version = "1"
title_en = "A form"
title_fr = "Un formulaire"
timepoints = {timepoints}
due = {due}
items = {items}
cite = "a document"
"""


def write(tmp_path, **files):
    for name, text in files.items():
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_shipped_dictionary_loads_with_the_forms_the_registries_ask_for():
    from cellrelay.registry.sources import catalog

    shipped = catalog()
    assert {"atih:atih_ordering", "descart:descart_ordering", "ebmt:med_a", "ebmt:day100", "ebmt:month6",
            "ebmt:annual", "cibmtr:4000", "cibmtr:4003", "cibmtr:4006", "cibmtr:4100", "cibmtr:3500"} <= set(shipped.forms)
    atih = shipped.forms["atih:atih_ordering"]
    assert set(atih.items) == {"usually_followed_here", "ipp", "product", "indication", "prior_lines",
                               "prior_transplant"}
    assert (shipped.forms["cibmtr:4000"].anchor, shipped.forms["cibmtr:4000"].due_days) == ("infusion", 30)
    assert all(item.cite for item in shipped.items.values())


def test_an_item_with_an_unknown_source_is_refused(tmp_path):
    with pytest.raises(DictionaryError, match="unknown source 'patient.shoe_size'"):
        load(write(tmp_path, a=ITEM.format(code="sex", source="patient.shoe_size")), sources=SOURCES)


def test_a_form_naming_an_unknown_item_is_refused(tmp_path):
    with pytest.raises(DictionaryError, match="unknown items: weight"):
        load(write(tmp_path, a=ITEM.format(code="sex", source="patient.sex") + form(items='["sex", "weight"]')),
             sources=SOURCES)


def test_duplicate_codes_are_refused_even_across_files(tmp_path):
    with pytest.raises(DictionaryError, match="item 'sex' is defined twice"):
        load(write(tmp_path, a=ITEM.format(code="sex", source="patient.sex"),
                   b=ITEM.format(code="sex", source="entered")), sources=SOURCES)
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    with pytest.raises(DictionaryError, match="form 'atih:f1' is defined twice"):
        load(write(tmp_path, a=ITEM.format(code="sex", source="patient.sex") + form(), b=form()), sources=SOURCES)


def test_a_form_of_an_unknown_registry_or_timepoint_is_refused(tmp_path):
    with pytest.raises(DictionaryError, match="unknown registry 'nowhere'"):
        load(write(tmp_path, a=ITEM.format(code="sex", source="patient.sex") + form(registry="nowhere")),
             sources=SOURCES)
    with pytest.raises(DictionaryError, match="unknown timepoint 'whenever'"):
        load(write(tmp_path, a=ITEM.format(code="sex", source="patient.sex") + form(timepoints='["whenever"]')),
             sources=SOURCES)


def test_a_research_form_may_not_list_a_direct_identifier(tmp_path):
    identifying = ITEM.format(code="dob", source="patient.birth_date") + "identifying = true\n"
    with pytest.raises(DictionaryError, match="direct identifiers: dob"):
        load(write(tmp_path, a=identifying + form(registry="research", items='["dob"]')), sources=SOURCES)


def test_a_new_registry_and_its_form_are_a_new_file(tmp_path):
    for shipped in dictionary.SHIPPED.glob("*.toml"):
        shutil.copy(shipped, tmp_path)
    (tmp_path / "lymphoma_study.toml").write_text("""
[[registry]]
code = "lysa_study"
name = "A lymphoma study"
consents = ["registry", "research"]
source = "the study's protocol"
""" + form(code="inclusion", registry="lysa_study", items='["sex", "diagnosis"]'), encoding="utf-8")
    from cellrelay.registry.sources import EVENTS, SOURCES as ALL

    loaded = load(tmp_path, sources=frozenset(ALL) | frozenset(EVENTS))
    assert loaded.forms["lysa_study:inclusion"].items == ("sex", "diagnosis")
    assert loaded.registries["lysa_study"].consents == ("registry", "research")


def test_timepoints_are_dated_from_their_anchor():
    d0, decided = date(2026, 1, 10), date(2025, 11, 20)
    assert dictionary.timepoint_date("D100", decision=decided, infusion=d0) == date(2026, 4, 20)
    assert dictionary.timepoint_date("ordering", decision=decided, infusion=None) == decided
    assert dictionary.timepoint_date("M6", decision=decided, infusion=None) is None


@pytest.mark.parametrize(("kind", "text", "value"), [("integer", "3", 3), ("decimal", "12,5", "12.5"),
                                                      ("date", "2026-02-01", "2026-02-01"), ("boolean", "yes", True)])
def test_typed_values_are_parsed_by_their_type(kind, text, value):
    item = dictionary.Item("x", "x", "x", kind, "entered", "c")
    assert dictionary.parse_value(item, text) == value


@pytest.mark.parametrize(("kind", "text"), [("integer", "3.5"), ("decimal", "NaN"), ("date", "01/02/2026"),
                                            ("boolean", "perhaps"), ("text", "  ")])
def test_values_of_the_wrong_type_are_refused(kind, text):
    item = dictionary.Item("x", "x", "x", kind, "entered", "c")
    with pytest.raises(dictionary.BadValue):
        dictionary.parse_value(item, text)
