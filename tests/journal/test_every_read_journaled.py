"""Every page and endpoint that shows a patient's identity journals the read, naming every patient it shows.

The walk is built from the URL resolver and the OpenAPI schema, not from a list kept by hand: a new page or endpoint
is walked as soon as it is routed, and fails here if it shows a patient's name, INS or IPP and writes no journal entry
naming that patient (``cellrelay.journal.reads.shown``, or ``patients.access.reach``). Each URL is asked for by every
persona of the seeded demo hospital; a response is matched to its journal entries by its request id.
"""

import html
import io
import itertools
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from pypdf import PdfReader

from cellrelay.api import api
from cellrelay.followup.views import FINDINGS
from cellrelay.journal.models import JournalEntry, PatientShown
from cellrelay.organisation.models import User
from cellrelay.organisation.services import create_token
from cellrelay.patients.models import Patient

pytestmark = pytest.mark.django_db

STAFF = ["coordinator", "haematologist", "pharmacist", "apheresis", "wardnurse", "icu", "neurologist", "research",
         "manager", "admin", "referrer", "referrer2"]
MACHINES = ["kite-system", "tank-probe"]

# The model whose primary key a route's argument is, by the path before it ("pharmacy/tanks" for
# "pharmacy/tanks/<int:pk>/"), or by an API parameter's name. A new kind of route must be added here: the walk
# fails on a route it cannot fill rather than skip it.
ROUTE_OBJECTS = {
    "patients": "patients.Patient", "episodes": "pathway.Episode", "milestones": "pathway.Milestone",
    "protocols": "pathway.ProtocolTemplate", "referrals": "referrals.Referral", "rcp": "referrals.MdtMeeting",
    "vitals": "monitoring.VitalSigns", "neuro": "monitoring.NeuroAssessment", "icu": "monitoring.IcuStay",
    "alerts": "monitoring.Alert", "collections": "products.Collection", "products": "products.Product",
    "shipments": "products.Shipment", "deviations": "products.Deviation", "bags": "products.Bag",
    "pharmacy/tanks": "pharmacy.Tank", "pharmacy/alarms": "pharmacy.StorageAlarm", "pharmacy/bags": "products.Bag",
    "profile/tokens": "organisation.ApiToken", "visits": "followup.Visit", "calls": "followup.Call",
    "registry/episodes": "pathway.Episode",
}
# The values a route's word argument takes ("episodes/<int:pk>/followup/<str:finding>/new/").
ROUTE_WORDS = {"finding": FINDINGS}
API_PARAMETERS = {
    "patient_id": "patients.Patient", "episode_id": "pathway.Episode", "product_id": "products.Product",
    "shipment_id": "products.Shipment", "tank_id": "pharmacy.Tank", "bag_id": "products.Bag",
}
# What the resolver cannot say: the per-team views of one page, and searches (their terms are journaled too).
QUERIES = {
    "/worklist/": ["?team=" + team for team in ("unit", "pharmacy", "apheresis", "icu", "neurology")],
    "/patients/": ["?q={family}", "?q={ipp}"],
    "/api/v1/patients": ["?q={family}", "?q={ins}"],
    "/journal/": ["?patient={family}"],
}
# No patient; the API is walked from its schema; the FHIR bulk export answers bearer tokens only (no session reaches
# it) and journals the patients of its files as it writes them (tests/registry/fhir/test_consent_and_journal.py).
NOT_WALKED = ("login/", "logout/", "favicon.ico", "i18n/", "api/", "fhir/")
OBJECTS_PER_ROUTE = 2  # the first and the last of each kind: enough to show a route journals, without the whole demo
ARGUMENT = re.compile(r"<(?:int:|str:)?(\w+)>")


@pytest.fixture
def demo_hospital(demo_for_the_module, db):
    """The whole demo: patients in every state, products in the circuit, toxicity alerts, a tank alarm."""


def routes(patterns=None, prefix="") -> list[str]:
    """Every page route, as written in the URL configuration ("patients/<int:pk>/edit/")."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if any(route.startswith(skipped) for skipped in NOT_WALKED):
            continue
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append(route)
    return found


def pks_of(label: str) -> list[int]:
    model = apps.get_model(label)
    ids = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
    return sorted({ids[0], ids[-1]})[:OBJECTS_PER_ROUTE] if ids else []


def page_urls(route: str) -> list[str]:
    names = ARGUMENT.findall(route)
    if not names:
        return ["/" + route]
    if names == ["pk", "referral_pk"]:  # an RCP decision: a meeting and a referral on its agenda
        decision_pairs = apps.get_model("referrals.MdtDecision").objects.values_list("meeting_id", "referral_id")
        return ["/" + route.replace("<int:pk>", str(m)).replace("<int:referral_pk>", str(r))
                for m, r in decision_pairs[:OBJECTS_PER_ROUTE]]
    words = [name for name in names if name != "pk"]
    assert names[0] == "pk" and all(word in ROUTE_WORDS for word in words), f"{route}: teach the walk {names}"
    kind = route.split("<")[0].strip("/")
    assert kind in ROUTE_OBJECTS, f"{route}: add the model its <pk> names to ROUTE_OBJECTS"
    urls = ["/" + route.replace("<int:pk>", str(pk)) for pk in pks_of(ROUTE_OBJECTS[kind])]
    for word in words:
        urls = [url.replace(f"<str:{word}>", value) for url in urls for value in ROUTE_WORDS[word]]
    return urls


def api_urls() -> list[str]:
    """Every GET operation of the OpenAPI schema, its path parameters filled with demo objects."""
    urls = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations or path.startswith("/api/docs"):
            continue
        names = re.findall(r"{(\w+)}", path)
        for name in names:
            assert name in API_PARAMETERS, f"{path}: add the model {{{name}}} names to API_PARAMETERS"
        choices = [[(name, pk) for pk in pks_of(API_PARAMETERS[name])] for name in names]
        for filled in itertools.product(*choices):
            url = path
            for name, pk in filled:
                url = url.replace("{" + name + "}", str(pk))
            urls.append(url)
    return urls


def with_queries(urls: list[str], patient: Patient) -> list[str]:
    terms = {"family": patient.family_name[:4], "ins": patient.ins or "", "ipp": patient.local_ids.first().ipp}
    return urls + [url + query.format(**terms) for url in urls for query in QUERIES.get(url, [])]


def identities() -> dict[int, set[str]]:
    """What shows who each patient is: the name as pages print it, the INS (bare and spaced), the IPPs."""
    shown = {}
    for patient in Patient.objects.prefetch_related("local_ids"):
        marks = {str(patient), f'"family_name": "{patient.family_name}", "given_names": "{patient.given_names}"'}
        if patient.ins:
            marks |= {patient.ins, patient.ins_display}
        marks |= {local.ipp for local in patient.local_ids.all()}
        shown[patient.pk] = marks
    return shown


def text_of(response) -> str:
    """The response as a reader sees it: HTML unescaped, JSON with its letters, a PDF's text, a calendar unfolded."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if kind.startswith("application/json"):
        return json.dumps(json.loads(body or b"null"), ensure_ascii=False, default=str)
    text = body.decode("utf-8", errors="replace").replace("\r\n ", "").replace("\r\n\t", "")
    return html.unescape(text)


def without_search_terms(text: str, url: str) -> str:
    """A search page repeats its terms (an IPP typed by a referring physician finds nothing of another's patient):
    the terms are journaled with the query, so only what the page found counts as shown."""
    for term in itertools.chain(*parse_qs(urlsplit(url).query).values()):
        text = text.replace(term, "")
    return text


def patients_named(request_id: str) -> set[int]:
    entries = JournalEntry.objects.filter(request_id=request_id)
    named = {pk for pk in entries.values_list("patient_id", flat=True) if pk}
    return named | set(PatientShown.objects.filter(entry__in=entries).values_list("patient_id", flat=True))


def clients() -> dict[str, Client]:
    signed = {}
    for username in STAFF:
        signed[username] = Client(HTTP_ACCEPT_LANGUAGE="en")
        signed[username].force_login(User.objects.get(username=username))
    for username in STAFF + MACHINES:
        _token, raw = create_token(actor=None, user=User.objects.get(username=username), name="walk")
        signed[f"{username} (API)"] = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en")
    return signed


def unjournaled_reads(urls: list[str], api: list[str]) -> tuple[list[str], int]:
    """Each (persona, URL) whose response shows a patient that no entry of its request names; and how many
    responses showed a patient at all (the walk must have seen some)."""
    marks, failures, showing = identities(), [], 0
    counter = itertools.count()
    for persona, client in clients().items():
        for url in api if persona.endswith("(API)") else urls:
            request_id = f"walk-{next(counter)}"
            response = client.get(url, HTTP_X_REQUEST_ID=request_id)
            if response.status_code != 200:
                continue
            text = without_search_terms(text_of(response), url)
            seen = {pk for pk, mark_set in marks.items() if any(mark in text for mark in mark_set)}
            showing += bool(seen)
            missing = seen - patients_named(request_id)
            if missing:
                failures.append(f"{persona} GET {url}: shows patients {sorted(missing)} and journals no read of them")
    return failures, showing


def test_every_page_and_endpoint_showing_a_patient_journals_the_read_naming_them(demo_hospital):
    patient = Patient.objects.exclude(ins=None).exclude(local_ids=None).order_by("pk").first()
    pages = with_queries([url for route in routes() for url in page_urls(route)], patient)
    endpoints = with_queries(api_urls(), patient)
    failures, showing = unjournaled_reads(pages, endpoints)
    assert showing > 50, "the walk saw too few patients to prove anything"
    assert not failures, "\n".join(failures)
