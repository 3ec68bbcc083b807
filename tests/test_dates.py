"""One way to write a date per language: French 04/12/2026, English 04 Dec 2026 (date inputs excepted)."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cellrelay.pathway import services as pathway_services
from tests.conftest import open_episode

CODE = Path(settings.BASE_DIR) / "cellrelay"
FORMATS = CODE / "formats"
# The names Django resolves in the language's formats module; anything else after |date: is a pattern.
NAMED = {"DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT",
         "MONTH_DAY_FORMAT", "YEAR_MONTH_FORMAT"}
TEMPLATE_FORMAT = re.compile(r"\|(?:date|time):\s*[\"']([^\"']*)[\"']")
PYTHON_FORMAT = re.compile(r"(?:date_format|time_format)\([^)]*?,\s*[\"']([^\"']*)[\"']")
# A day-first pattern written in code (%d/%m, :%d/%m/%Y in an f-string): for a file format only, never for display.
PYTHON_DAY_FIRST = re.compile(r"%d/%m")
FILE_FORMATS = {CODE / "products" / "templog.py"}  # the French spreadsheet dialect of a temperature log file

MONTHS_EN = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
MONTHS_FR = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"


def files(pattern):
    return [path for path in CODE.rglob(pattern) if FORMATS not in path.parents and "migrations" not in path.parts]


def test_templates_write_dates_only_through_the_named_formats():
    found = [f"{path.relative_to(CODE)}: |date:\"{fmt}\"" for path in files("*.html")
             for fmt in TEMPLATE_FORMAT.findall(path.read_text()) if fmt not in NAMED]
    assert found == []


def test_python_code_writes_dates_only_through_the_named_formats():
    found = [f"{path.relative_to(CODE)}: \"{fmt}\"" for path in files("*.py")
             for fmt in PYTHON_FORMAT.findall(path.read_text()) if fmt not in NAMED]
    found += [f"{path.relative_to(CODE)}: day-first pattern" for path in files("*.py")
              if path not in FILE_FORMATS and PYTHON_DAY_FIRST.search(path.read_text())]
    assert found == []


@pytest.fixture
def planned_episode(org, users, patient):
    """Garnier, born 14/05/1962, with a schedule that starts with an apheresis on 2 March 2026."""
    return pathway_services.plan_schedule(actor=users["coordinator"], episode=open_episode(org, patient),
                                          expected_version=None, apheresis_date=dt.date(2026, 3, 2),
                                          allow_past=True)


def dates_on(html: str) -> set[str]:
    """Everything on the page that looks like a date, whichever way it is written."""
    text = re.sub(r"<[^>]+>", " ", html)
    return set(re.findall(rf"\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b|\b\d{{1,2}} (?:{MONTHS_EN}|{MONTHS_FR})\w*\.?(?: \d{{4}})?",
                          text))


# The year is left out only on the ticks of a chart's time axis (MONTH_DAY_FORMAT), written the same way.
@pytest.mark.parametrize("language, birth, apheresis, one_way", [
    ("fr", "14/05/1962", "02/03/2026", re.compile(r"\d{2}/\d{2}(?:/\d{4})?")),
    ("en", "14 May 1962", "02 Mar 2026", re.compile(rf"\d{{2}} (?:{MONTHS_EN})(?: \d{{4}})?")),
])
def test_the_patient_and_episode_pages_write_every_date_one_way(client_as, planned_episode, language, birth,
                                                                apheresis, one_way):
    client = client_as("coordinator", language=language)
    patient_page = client.get(f"/patients/{planned_episode.patient_id}/").content.decode()
    episode_page = client.get(f"/episodes/{planned_episode.pk}/").content.decode()
    assert birth in patient_page
    assert apheresis in episode_page
    other_ways = {d for d in dates_on(patient_page) | dates_on(episode_page) if not one_way.fullmatch(d)}
    assert other_ways == set()
