"""Personas of the fictional demo hospital, an outsider from another center, and their clients."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from hypothesis import settings as hypothesis_settings

from cellrelay.demo import hospital
from cellrelay.organisation.models import Center, Membership, User
from cellrelay.organisation.permissions import Role
from cellrelay.organisation.services import create_token
from cellrelay.patients import services as patient_services
from cellrelay.patients.identity import make_ins

# The demo's personas with the demo's password: the organisation built once for the session is the one seed_demo
# finds (it creates only what is missing), so a test seeding the whole demo signs with the same password.
PASSWORD = hospital.DEMO_PASSWORD

# No deadline: a property that is slow on a loaded machine is not wrong (speed lives in `make bench`).
hypothesis_settings.register_profile("cellrelay", deadline=None)
hypothesis_settings.load_profile("cellrelay")


QUICK_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def quick_hasher(settings):
    settings.PASSWORD_HASHERS = QUICK_HASHERS


@pytest.fixture(autouse=True)
def one_step_logins(settings):
    """The suite signs in with the password alone, as the demo does; tests/organisation/test_second_factor.py
    switches the second factor on."""
    settings.CELLRELAY_SECOND_FACTOR = False


@pytest.fixture(autouse=True)
def english_by_default():
    """A request in French must not leave French active for the next test."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files of a test stay in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def build_hospital() -> dict:
    """The protocol templates and the demo organisation, created where missing (idempotent)."""
    from cellrelay.pathway.models import ProtocolTemplate
    from cellrelay.pathway.protocols import DEFAULTS, template_fields

    # A transactional test flushes the tables, data migrations' rows included.
    for protocol in DEFAULTS:
        ProtocolTemplate.objects.get_or_create(product=protocol.product, indication=protocol.indication,
                                               defaults=template_fields(protocol))
    return hospital.build_organisation(password=PASSWORD)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The organisation is built once, in the test database itself, before any test: each test runs in a
    transaction rolled back at its end, so it starts from the organisation and only reads it from `org`. A
    transactional test flushes every table (pytest-django runs those last); `org` then builds it again."""
    from django.test.utils import override_settings

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=QUICK_HASHERS):
        build_hospital()


@pytest.fixture
def org(db):
    return build_hospital()


@pytest.fixture(scope="module")
def demo_for_the_module(django_db_setup, django_db_blocker):
    """The whole demo hospital, seeded once for a module whose tests only read it (seed_demo's output).

    The seed stays in a transaction held open for the module: each test's own transaction is a savepoint inside
    it, and the whole is rolled back at the module's end, as Django's TestCase.setUpTestData does for a class.
    """
    from django.db import transaction
    from django.test.utils import override_settings

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=QUICK_HASHERS), transaction.atomic():
        build_hospital()
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def users(org):
    return org["users"]


@pytest.fixture
def outsider(org):
    """A coordinator at another treating center: must never see the demo hospital's patients."""
    elsewhere = Center.objects.create(name="CHU d'Ailleurs", short_name="CHU Ailleurs", kind=Center.Kind.TREATING)
    user = User.objects.create_user("outsider", password=PASSWORD, first_name="Otto", last_name="Sider")
    Membership.objects.create(user=user, center=elsewhere, role=Role.COORDINATOR)
    return user


def register(org, *, family="Garnier", given="Michel", sex="M", birth=dt.date(1962, 5, 14), serial=1,
             referred=False, **extra):
    fields = dict(
        family_name=family, given_names=given, sex=sex, birth_date=birth,
        ins=make_ins(1 if sex == "M" else 2, birth.year, birth.month, "63113", serial),
        weight_kg=78, height_cm=174, ipp=f"IPP{serial:05d}",
    )
    fields.update(extra)
    if referred:
        fields.update(referring_center=org["referring"][0], referring_physician=org["users"]["referrer"])
    actor = org["users"]["referrer" if referred else "coordinator"]
    return patient_services.register_patient(actor=actor, treating_center=org["treating"], **fields)


@pytest.fixture
def patient(org):
    return register(org)


@pytest.fixture
def referred_patient(org):
    return register(org, family="Faure", given="Isabelle", sex="F", birth=dt.date(1970, 3, 2), serial=2,
                    referred=True)


def open_episode(org, patient, *, product="yescarta", indication="lbcl", held_on=None):
    """A referral, an RCP meeting and an approving decision: the episode it opens."""
    from cellrelay.referrals import services as referral_services

    today = timezone.localdate()
    coordinator = org["users"]["coordinator"]
    referral = referral_services.create_referral(
        actor=coordinator, patient=patient, from_center=org["referring"][0], from_physician=org["users"]["referrer"],
        received_on=today - dt.timedelta(days=20), diagnosis=indication if indication != "trial" else "sle",
        prior_lines=2, prior_transplant="none", current_status="refractory")
    meeting = referral_services.create_meeting(actor=coordinator, center=org["treating"],
                                               held_on=held_on or today - dt.timedelta(days=10))
    decision = referral_services.record_decision(
        actor=org["users"]["haematologist"], meeting=meeting, referral=referral, outcome="approved",
        product=product, indication=indication, trial="TRIAL-1" if product == "investigational" else "")
    return decision.episode


@pytest.fixture
def episode(org, patient):
    return open_episode(org, patient)


@pytest.fixture
def client_as(org, outsider):
    """A browser-like client signed in as the named persona ('outsider' included)."""

    def make(username: str, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(User.objects.get(username=username))
        return client

    return make


@pytest.fixture
def api_as(org, outsider):
    """An API client carrying the named persona's bearer token."""

    def make(username: str, language: str = "en") -> Client:
        _token, raw = create_token(actor=None, user=User.objects.get(username=username), name="tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE=language)

    return make


def pytest_collection_modifyitems(config, items):
    """Races need a database with row locks and concurrent writers: PostgreSQL, not the test's SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        skip = pytest.mark.skip(reason="concurrency races run on PostgreSQL (make test runs both)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)
