"""The permission table, checked over every page and every API endpoint, for every persona.

The expected answer is computed from `PERMISSIONS` and the scoping rule, never written by hand:
no permission → 403; a patient the persona may not see → 404; otherwise success.
"""

import datetime as dt
import importlib
import json
import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.urls import URLPattern, URLResolver, get_resolver

from cellrelay.api import api
from cellrelay.organisation.models import ApiToken, Membership
from cellrelay.organisation.permissions import PERMISSIONS, Action, Role
from cellrelay.patients.models import Patient

pytestmark = pytest.mark.django_db

# The second factor's steps belong to signing in: any user who passed the password may open them.
PUBLIC_PAGES = {"login", "second_factor_verify", "second_factor_enrol", "logout", "set_language", "favicon",
                "api:openapi-json", "api:openapi-view"}
TOKEN_ROUTES = {"organisation:token_revoke", "organisation:token_renew"}  # POST, aimed at the persona's own token
PERSONAS = ["coordinator", "haematologist", "pharmacist", "apheresis", "wardnurse", "icu", "neurologist",
            "research", "manager", "admin", "referrer", "referrer2", "outsider", "kite-system", "tank-probe"]

# Each group of pages/endpoints teaches the matrix how to aim its routes, in its own module:
#   targets(name, route, world) -> list[Target | None] | None   (None: not one of mine)
#   api_cases(method, path, world, username) -> list[ApiCase] | None   (None: not one of mine)
ROOM_MATRICES = [importlib.import_module(f"tests.organisation.matrix_{room}")
                 for room in ("product_page", "collection", "manufacturing", "administration", "pharmacy",
                              "followup", "registry")]


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern.callback


# The FHIR bulk export answers bearer tokens only, never a session: tests/registry/fhir walk it, with its own
# OperationOutcome answers (401 without a token, 403 without the export action, 404 for another user's export).
BEARER_ONLY = "registry:fhir_"


def pages():
    return [(name, route, view) for name, route, view in walk(get_resolver().url_patterns)
            if (not name.startswith("api:") or name in PUBLIC_PAGES) and not name.startswith(BEARER_ONLY)]


def membership_of(username):
    return Membership.objects.select_related("user", "center").get(user__username=username)


def sees_patient(username, patient):
    """The scoping rule, restated: own treating center, or a referring physician's own referrals."""
    membership = membership_of(username)
    if membership.role == Role.REFERRING_PHYSICIAN:
        return patient.referring_physician_id == membership.user_id
    return membership.center_id == patient.treating_center_id


def expected_status(username, action, target, success):
    """403 without the permission; 404 for an object out of scope; otherwise success."""
    membership = membership_of(username)
    if Action(action) not in PERMISSIONS[Role(membership.role)]:
        return 403
    if target is not None:
        if target.patient is not None and not sees_patient(username, target.patient):
            return 404
        if target.center is not None and membership.center_id != target.center.pk:
            return 404
    return success


@dataclass
class ApiCase:
    """One call of an endpoint: its url and body, what scopes it, and the status on success."""

    url: str
    body: dict | None
    scope: object  # a Target, or None when nothing scopes the call
    success: int


@dataclass
class Target:
    """One object a route can be aimed at, with what scopes it (a patient, a center)."""

    kwargs: dict
    patient: object = None
    center: object = None


@pytest.fixture
def world(org, users, patient, referred_patient):
    """For each patient: a referral with a letter, a planned episode, and one undecided referral on a meeting."""
    from cellrelay.pathway import services as pathway_services
    from cellrelay.pathway.models import ProtocolTemplate
    from cellrelay.referrals import services as referral_services
    from tests.conftest import open_episode

    d0 = timezone.localdate() + dt.timedelta(days=70)
    meeting = referral_services.create_meeting(actor=users["haematologist"], center=org["treating"],
                                               held_on=timezone.localdate())
    per_patient = []
    for who in (patient, referred_patient):
        episode = pathway_services.plan_schedule(actor=users["coordinator"], episode=open_episode(org, who),
                                                 expected_version=None, infusion_date=d0)
        pending = referral_services.create_referral(
            actor=users["coordinator"], patient=who, from_center=org["referring"][0],
            from_physician=users["referrer"], received_on=timezone.localdate(), diagnosis="mm", prior_lines=4,
            prior_transplant="autologous", current_status="relapsed",
            letter=SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter", content_type="application/pdf"))
        referral_services.add_to_agenda(actor=users["haematologist"], meeting=meeting, referral=pending)
        per_patient.append((who, episode, pending))
    monitoring = monitoring_records(per_patient, users, org)
    return {"meeting": meeting, "per_patient": per_patient, "center": org["treating"],
            "template": ProtocolTemplate.objects.first(), "monitoring": monitoring,
            "products": product_records(per_patient, users)}


def product_records(per_patient, users):
    """For each episode, through the services: the collection, its shipment out to the manufacturer, and the
    product in manufacturing. Maps each patient to the ids the /api/v1/products paths are aimed at."""
    from cellrelay.pathway.states import State
    from cellrelay.products.services.collection import record_collection
    from cellrelay.products.services.manufacturing import register_product
    from cellrelay.products.services import shipping
    from tests.pathway.test_episode import walk_to
    from tests.products.test_custody import scanned_din

    records = {}
    for serial, (who, episode, _pending) in enumerate(per_patient, 1):
        episode = walk_to(episode, users, State.APHERESIS_SCHEDULED)
        din = f"G1234260001{serial:02d}"
        collection = record_collection(
            actor=users["apheresis"], episode=episode, collected_at=timezone.now() - dt.timedelta(hours=3),
            volume_ml=200, din=scanned_din(din))
        shipment = shipping.record_shipment(
            actor=users["apheresis"], product_or_collection=collection, direction="out", courier="World Courier",
            shipper_id=f"DS-{serial}", seal_numbers=[f"S{serial}"], departed_at=timezone.now() - dt.timedelta(hours=2))
        product = register_product(actor=users["coordinator"], episode=collection.episode,
                                    manufacturer="Kite", identifiers=[("din", scanned_din(din))])
        records[who.pk] = {"product_id": product.pk, "shipment_id": shipment.pk}
    return records


def monitoring_records(per_patient, users, org):
    """For each patient, through the services: an episode infused weeks ago (nothing is graded before the
    infusion), its vital signs of CRS grade 2 (so an alert), a neurological assessment and an ICU stay. Keys
    are the monitoring URL names aimed at them."""
    from cellrelay.monitoring import services as monitoring_services
    from tests.conftest import open_episode
    from tests.monitoring.test_services import infused

    when = timezone.now() - dt.timedelta(hours=2)
    records = {"monitoring:vitals_confirm": [], "monitoring:neuro_confirm": [], "monitoring:icu_return": [],
               "monitoring:alert_acknowledge_icu": [], "monitoring:alert_acknowledge_neurology": []}
    for who, _planned, _pending in per_patient:
        episode = infused(open_episode(org, who, product="kymriah", indication="lbcl"), users)
        vitals = monitoring_services.record_vital_signs(actor=users["wardnurse"], episode=episode, taken_at=when,
                                                        temperature_c=39, hypotension="no_vasopressor")
        assessment = monitoring_services.record_neuro_assessment(
            actor=users["neurologist"], episode=episode, assessed_at=when, consciousness="normal",
            ice_items=dict.fromkeys(("orientation_year", "orientation_month", "orientation_city",
                                     "orientation_hospital", "naming_1", "naming_2", "naming_3", "follows_commands",
                                     "writes_sentence", "counts_backwards"), True))
        stay = monitoring_services.transfer_to_icu(actor=users["icu"], episode=episode, admitted_at=when,
                                                   reason="CRS grade 2")
        for name, obj in (("monitoring:vitals_confirm", vitals), ("monitoring:neuro_confirm", assessment),
                          ("monitoring:icu_return", stay),
                          ("monitoring:alert_acknowledge_icu", episode.alerts.get(scale="crs")),
                          ("monitoring:alert_acknowledge_neurology", episode.alerts.get(scale="crs"))):
            records[name].append(Target({"pk": obj.pk}, patient=who))
    return records


def targets_for(name, route, world):
    """Every object the route can be aimed at, with its scope."""
    if "<int:" not in route or name in TOKEN_ROUTES:  # aimed at the persona's own token
        return [None]
    meeting, center = world["meeting"], world["center"]
    if name.startswith("patients:") or name == "referrals:create":
        return [Target({"pk": p.pk}, patient=p) for p, _e, _r in world["per_patient"]]
    if name in ("referrals:detail", "referrals:letter"):
        return [Target({"pk": r.pk}, patient=p) for p, _e, r in world["per_patient"]]
    if name == "referrals:decide":
        return [Target({"pk": meeting.pk, "referral_pk": r.pk}, patient=p, center=center)
                for p, _e, r in world["per_patient"]]
    if name.startswith("referrals:"):
        return [Target({"pk": meeting.pk}, center=center)]
    if name.startswith("pathway:episode"):
        return [Target({"pk": e.pk}, patient=p) for p, e, _r in world["per_patient"]]
    if name.startswith("pathway:milestone"):
        return [Target({"pk": e.milestones.get(code="PROX").pk}, patient=p) for p, e, _r in world["per_patient"]]
    if name == "pathway:protocol_edit":
        return [Target({"pk": world["template"].pk})]
    if name in world["monitoring"]:
        return world["monitoring"][name]
    if name.startswith("monitoring:") and route.startswith("episodes/<int:pk>/"):
        return [Target({"pk": e.pk}, patient=p) for p, e, _r in world["per_patient"]]
    for room in ROOM_MATRICES:
        targets = room.targets(name, route, world)
        if targets is not None:
            return targets
    raise AssertionError(f"the permission matrix does not know how to aim {name} ({route}): teach targets_for")


def url_of(route, target):
    url = "/" + route
    for key, value in (target.kwargs if target else {}).items():
        url = url.replace(f"<int:{key}>", str(value)).replace(f"<str:{key}>", str(value))
    return url


def test_every_page_names_its_action():
    unnamed = [name for name, _route, view in pages()
               if name not in PUBLIC_PAGES and getattr(view, "required_action", None) is None]
    assert unnamed == []


@pytest.mark.parametrize("username", PERSONAS)
def test_pages(username, client_as, world):
    client = client_as(username)
    user = membership_of(username).user
    token = ApiToken.objects.create(user=user, name="t", key_hash=f"{username:x<64}"[:64], hint="x")
    wrong = []
    for name, route, view in pages():
        if name in PUBLIC_PAGES:
            continue
        for target in targets_for(name, route, world):
            if name in TOKEN_ROUTES:
                url = url_of(route, Target({"pk": token.pk}))
                response, success = client.post(url), 302
            else:
                url = url_of(route, target)
                response, success = client.get(url), 302 if name == "home" else 200
            want = expected_status(username, view.required_action, target, success)
            if response.status_code != want:
                wrong.append(f"{url} ({name}): got {response.status_code}, want {want}")
    assert wrong == []


def test_pages_send_anonymous_visitors_to_login(client, world):
    for name, route, view in pages():
        if name in PUBLIC_PAGES:
            continue
        target = targets_for(name, route, world)[0] or Target({"pk": 1})
        url = url_of(route, target)
        response = client.post(url) if name in TOKEN_ROUTES else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def example_body(method, path, username):
    """A valid body for each writing endpoint, so that only the permission decides."""
    if method == "post" and path == "/api/v1/patients":
        return {"family_name": f"Api{username}", "given_names": "Test", "birth_date": "1970-01-01", "sex": "F",
                "treating_center_id": None}
    if method == "patch":
        return {"version": None, "city": f"City {username}"}
    if path.endswith("/consents"):
        return {"kind": "registry", "status": "given", "decided_on": "2026-01-01"}
    if path.endswith("/contacts"):
        return {"kind": "caregiver", "name": "Anne", "phone": "0600000000"}
    if path == "/api/v1/staff":
        return {"username": f"new-{username}", "first_name": "New", "last_name": "Person", "center_id": None,
                "role": "ward_nurse", "password": "a-long-enough-password-7"}
    if path == "/api/v1/tools/schedule":
        return {"product": "kymriah", "indication": "lbcl", "infusion_date": "2027-03-01"}
    if path == "/api/v1/tools/crs-grade":
        return {"temperature_c": 38.6, "antipyretic_or_anticytokine_given": False, "hypotension": "none",
                "oxygen": "low_flow", "oxygen_flow_l_min": 4}
    if path == "/api/v1/tools/icans-grade":
        return {"age_years": 54, "ice_score": 8, "consciousness": "normal", "consciousness_due_to_sedation": False,
                "seizure": "none", "motor_weakness": False, "cerebral_edema": "none", "aphasia_global": False}
    if path == "/api/v1/tools/ice-score":
        return {item: True for item in ("orientation_year", "orientation_month", "orientation_city",
                                        "orientation_hospital", "naming_1", "naming_2", "naming_3",
                                        "follows_commands", "writes_sentence", "counts_backwards")}
    if path == "/api/v1/tools/icaht-grade":
        return {"infusion_date": "2026-03-02", "anc": [{"date": "2026-03-03", "anc_per_ul": 300}]}
    if path == "/api/v1/tools/lugano-response":
        return {"deauville_score": 4, "uptake_change": "reduced", "new_lesions": False}
    if path == "/api/v1/tools/isbt128":
        return {"data": "=G12341765432170"}
    if path == "/api/v1/products/{product_id}/status":
        return {"status": "released"}
    if path == "/api/v1/products/shipments/{shipment_id}/temperature-log":
        return {"csv": "timestamp,temperature_c\n2026-03-01T08:00:00+01:00,-182.4\n2026-03-01T08:10:00+01:00,-181,9\n"}
    raise AssertionError(f"no example body for {method.upper()} {path}: add one")


def test_every_endpoint_names_its_action():
    assert [f"{m} {p}" for m, p, op in operations() if "x-required-action" not in op] == []


@pytest.mark.parametrize("username", PERSONAS)
def test_api(username, api_as, org, patient, referred_patient, world):
    client = api_as(username)
    wrong = []
    for method, path, operation in operations():
        action = operation["x-required-action"]
        cases = next((c for c in (room.api_cases(method, path, world, username) for room in ROOM_MATRICES)
                      if c is not None), None)
        if cases is not None:
            for case in cases:
                response = getattr(client, method)(case.url, data=json.dumps(case.body) if case.body else None,
                                                   content_type="application/json")
                want = expected_status(username, action, case.scope, case.success)
                if response.status_code != want:
                    wrong.append(f"{method.upper()} {case.url}: got {response.status_code} "
                                 f"{response.content[:120]!r}, want {want}")
            continue
        aimed = any(key in path for key in ("{patient_id}", "{product_id}", "{shipment_id}"))
        targets = [patient, referred_patient] if aimed else [None]
        for target in targets:
            ids = {"patient_id": target.pk, **world["products"][target.pk]} if target else {}
            url = fill(path, ids)
            body = None if method == "get" else example_body(method, path, username)
            if body and "version" in body:
                body["version"] = Patient.objects.get(pk=target.pk).version
            own_center = Membership.objects.get(user__username=username).center
            if body and "center_id" in body:
                body["center_id"] = own_center.pk
            if body and "treating_center_id" in body:
                body["treating_center_id"] = own_center.pk if own_center.kind == "treating" else org["treating"].pk
            response = getattr(client, method)(url, data=json.dumps(body) if body else None,
                                               content_type="application/json")
            scope = Target({}, patient=target) if target else None
            created = method == "post" and "/tools/" not in path and not path.endswith("/status")
            want = expected_status(username, action, scope, 201 if created else 200)
            if response.status_code != want:
                wrong.append(f"{method.upper()} {url}: got {response.status_code} {response.content[:120]!r}, want {want}")
    assert wrong == []


def fill(path, ids):
    """The path with its ``{name}`` parameters replaced by the ids given."""
    for key, value in ids.items():
        path = path.replace("{" + key + "}", str(value))
    return path


def test_api_without_a_valid_token_is_refused(client, patient):
    for method, path, _operation in operations():
        url = re.sub(r"\{[a-z_]+\}", "1", path)
        response = getattr(client, method)(url, HTTP_AUTHORIZATION="Bearer not-a-token", content_type="application/json")
        assert response.status_code == 401, url
