"""Each role lands where its work is, and sees no link that would refuse it (on the seeded demo hospital)."""

import re

import pytest
from django.test import Client

from cellrelay.organisation.models import User

pytestmark = pytest.mark.django_db

LANDINGS = {
    "coordinator": "/worklist/",
    "haematologist": "/worklist/?team=unit",
    "pharmacist": "/worklist/?team=pharmacy",
    "apheresis": "/worklist/?team=apheresis",
    "wardnurse": "/worklist/?team=unit",
    "icu": "/worklist/?team=icu",
    "neurologist": "/worklist/?team=neurology",
    "research": "/patients/",
    "manager": "/staff/",
    "admin": "/journal/",
    "referrer": "/patients/",
    "referrer2": "/patients/",
}
LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#]*)"')


@pytest.fixture
def demo_hospital(demo_for_the_module, db):
    """The whole demo: episodes in every state, products in the circuit, toxicity alerts, a tank alarm."""


def signed_in(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username=username))
    return client


def links_on(html: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in LINK.findall(html) if not href.startswith("/static/")}


def refused_links(client, url: str) -> list[str]:
    page = client.get(url)
    assert page.status_code == 200, url
    return [f"{href} answers {status}" for href in sorted(links_on(page.content.decode()))
            if (status := client.get(href).status_code) >= 400]


def test_each_role_lands_on_its_own_page_and_may_follow_every_link_there(demo_hospital):
    wrong = []
    for username, landing in LANDINGS.items():
        client = signed_in(username)
        home = client.get("/")
        if home.status_code != 302 or home["Location"] != landing:
            wrong.append(f"{username} lands on {home.get('Location', home.status_code)}, not {landing}")
            continue
        wrong += [f"{username} on {landing}: {refusal}" for refusal in refused_links(client, landing)]
    assert not wrong, "\n".join(wrong)


def test_every_team_sees_the_whole_worklist_without_a_link_that_refuses_it(demo_hospital):
    """The ICU physician has no step to record: the steps are named, not linked."""
    wrong = []
    for username in ("coordinator", "haematologist", "pharmacist", "apheresis", "wardnurse", "icu", "neurologist",
                     "research"):
        wrong += [f"{username}: {refusal}" for refusal in refused_links(signed_in(username), "/worklist/")]
    assert not wrong, "\n".join(wrong)


def test_a_team_section_shows_that_team_only(demo_hospital):
    html = signed_in("pharmacist").get("/worklist/?team=pharmacy").content.decode()
    assert "Dispense bag" in html
    assert "/milestones/" not in html and "Transplant unit</h3>" not in html
