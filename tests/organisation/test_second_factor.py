"""The second factor (TOTP, recovery codes): enrolment at the first sign-in, then a code before any page.

The suite runs with it off (conftest's ``one_step_logins``); these tests switch it on, sign in through the real
login form, and compute the authenticator's codes from the device's secret as a phone would.
"""

from base64 import b32encode
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation import services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def second_factor(settings):
    settings.CELLRELAY_SECOND_FACTOR = True


def code_now(device, step_offset: int = 0) -> str:
    """What the authenticator app shows for this device (``step_offset`` steps of 30 s later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + step_offset * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device) -> str:
    """A 6-digit code none of the codes accepted now (tolerance: one step either side)."""
    accepted = {code_now(device, offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)


def shown_secret(html: str) -> str:
    return re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


def sign_in(client, username: str, next_page: str = "/patients/"):
    response = client.post(f"/login/?next={next_page}", {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == next_page, "the password step failed"
    return response


def enrolled(user) -> list[str]:
    """Set the user's authenticator up through the service; their recovery codes."""
    device = services.pending_authenticator(user)
    _device, codes = services.enrol_second_factor(actor=user, device=device, token=code_now(device))
    return codes


def test_first_sign_in_enrols_then_opens_the_page(users):
    client = Client()
    sign_in(client, "coordinator")

    held = client.get("/patients/")
    assert held.status_code == 302 and held["Location"] == "/login/enrol/?next=%2Fpatients%2F"
    assert client.get("/worklist/")["Location"].startswith("/login/enrol/")
    assert client.get("/api/v1/me").status_code == 401  # a half-signed-in session does not open the API either

    page = client.get(held["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'id="totp-qr"' in html  # the QR code, drawn on the server
    device = TOTPDevice.objects.get(user=users["coordinator"], confirmed=False)
    assert shown_secret(html) == b32encode(device.bin_key).decode()
    assert shown_secret(client.get(held["Location"]).content.decode()) == shown_secret(html)  # a reload: same key

    confirmed = client.post("/login/enrol/", {"token": code_now(device), "next": "/patients/"})
    assert confirmed.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", confirmed.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/patients/").status_code == 200
    assert JournalEntry.objects.filter(action=JournalEntry.Action.SECOND_FACTOR_ENROLLED,
                                       actor=users["coordinator"]).count() == 1


def test_enrolment_refuses_a_wrong_code(users):
    client = Client()
    sign_in(client, "pharmacist")
    client.get("/login/enrol/")
    device = TOTPDevice.objects.get(user=users["pharmacist"])
    refused = client.post("/login/enrol/", {"token": wrong_code(device)})
    assert refused.status_code == 200 and "not the one your authenticator shows" in refused.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/patients/").status_code == 302


def test_a_returning_user_gives_the_current_code(users):
    user = users["haematologist"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "haematologist")
    held = client.get("/patients/")
    assert held["Location"] == "/login/verify/?next=%2Fpatients%2F"

    passed = client.post("/login/verify/", {"token": code_now(device), "next": "/patients/"})
    assert passed.status_code == 302 and passed["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200


def test_a_wrong_code_is_refused(users):
    user = users["haematologist"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "haematologist")
    refused = client.post("/login/verify/", {"token": wrong_code(device), "next": "/patients/"})
    assert refused.status_code == 200 and "Wrong code." in refused.content.decode()
    assert client.get("/patients/")["Location"].startswith("/login/verify/")
    # django-otp now makes the next try wait: said in words, and even the right code is refused meanwhile.
    throttled = client.post("/login/verify/", {"token": code_now(device), "next": "/patients/"})
    assert throttled.status_code == 200 and "Too many wrong codes" in throttled.content.decode()


def test_a_recovery_code_works_once(users):
    user = users["wardnurse"]
    codes = enrolled(user)
    client = Client()
    sign_in(client, "wardnurse")
    passed = client.post("/login/verify/", {"token": codes[3].upper(), "next": "/patients/"}, follow=True)
    assert passed.status_code == 200 and passed.redirect_chain[-1][0] == "/patients/"
    assert "recovery code" in passed.content.decode() and "9 left" in passed.content.decode()
    assert not StaticToken.objects.filter(token=codes[3]).exists()
    assert JournalEntry.objects.filter(action=JournalEntry.Action.RECOVERY_CODE_USED, actor=user).count() == 1

    client.post("/logout/")
    again = Client()
    sign_in(again, "wardnurse")
    refused = again.post("/login/verify/", {"token": codes[3], "next": "/patients/"})
    assert refused.status_code == 200 and "Wrong code." in refused.content.decode()
    assert again.get("/patients/").status_code == 302


def test_api_bearer_tokens_need_no_second_factor(api_as):
    assert api_as("coordinator").get("/api/v1/me").status_code == 200


def test_the_second_step_speaks_french(users):
    TOTPDevice.objects.create(user=users["coordinator"], name="phone", confirmed=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    sign_in(client, "coordinator")
    page = client.get("/login/verify/").content.decode()
    assert "Deuxième étape de la connexion" in page and "codes de secours" in page


def test_with_the_setting_off_a_password_is_enough(settings, users):
    settings.CELLRELAY_SECOND_FACTOR = False
    client = Client()
    sign_in(client, "coordinator")
    assert client.get("/patients/").status_code == 200


def settings_load(**environment) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with this environment, as the server would at start."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cellrelay.settings", **environment}
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                          cwd=django_settings.BASE_DIR, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_the_second_factor():
    refused = settings_load(CELLRELAY_PRODUCTION="1", SECRET_KEY="x" * 50, CELLRELAY_SECOND_FACTOR="0")
    assert refused.returncode != 0 and "CELLRELAY_SECOND_FACTOR" in refused.stderr
    started = settings_load(CELLRELAY_PRODUCTION="1", SECRET_KEY="x" * 50, CELLRELAY_SECOND_FACTOR="1")
    assert started.returncode == 0, started.stderr


def test_the_second_step_sends_nowhere_outside_the_site(users):
    device = TOTPDevice.objects.create(user=users["coordinator"], name="phone", confirmed=True)
    client = Client()
    sign_in(client, "coordinator")
    passed = client.post("/login/verify/", {"token": code_now(device), "next": "https://elsewhere.example/"})
    assert passed.status_code == 302 and passed["Location"] == "/"
