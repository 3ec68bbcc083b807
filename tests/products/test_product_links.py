"""A link on the product pages is shown only to whom may follow it: no persona meets a link that answers 403."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from cellrelay.products.services import shipping

from cellrelay.products.services.manufacturing import register_product, update_manufacturing
from tests.products.test_custody import DIN_B, DIN_C, collected, receive, released, scanned_din
from tests.products.test_excursion_release import logger_file

pytestmark = pytest.mark.django_db

CLINICAL = ["coordinator", "haematologist", "pharmacist", "apheresis", "wardnurse", "icu", "neurologist", "research"]
PRODUCT_PAGES = re.compile(r"^/(episodes/\d+/products/|products/|collections/|shipments/|bags/|deviations/)")


@pytest.fixture
def start_pages(org, episode, users):
    """A received product whose return shipment had an excursion, and another patient's failed product."""
    from tests.conftest import open_episode, register

    product = released(episode, users, [("din", scanned_din(DIN_B)), ("manufacturer", "KITE-1")], din=DIN_C)
    shipment = shipping.record_shipment(
        actor=users["pharmacist"], product_or_collection=product, direction="back", courier="World Courier",
        shipper_id="DS-7", seal_numbers=["S7"], departed_at=timezone.now() - dt.timedelta(hours=9))
    shipping.attach_temperature_log(actor=users["pharmacist"], shipment=shipment,
                                    csv_file=logger_file("-180", "-100", "-180"))
    receive(product, users, scanned=[scanned_din(DIN_B)], shipper_temperature_c=Decimal("-180"))
    failed_patient = register(org, family="Faure", given="Isabelle", sex="F", birth=dt.date(1970, 3, 2), serial=2)
    failed = register_product(actor=users["coordinator"], episode=collected(
        open_episode(org, failed_patient), users).episode, manufacturer="Kite", identifiers=[("manufacturer", "K-2")])
    update_manufacturing(actor=users["coordinator"], product=failed, status="failed", reason="No expansion")
    return [f"/episodes/{episode.pk}/products/", f"/episodes/{failed.episode_id}/products/",
            f"/products/{failed.pk}/manufacturing/"]


def main_links(html: str) -> set[str]:
    """The links in the page's own content (the navigation is the shell's)."""
    main = html[html.index("<main>"):html.index("</main>")]
    return {href for href in re.findall(r'href="(/[^"#]*)', main)}


def refused_links(client, start_pages) -> list[tuple[str, str]]:
    """(page, link) for each link that answers 403, following the product pages from ``start_pages``."""
    pages, seen, refused = list(start_pages), set(), []
    while pages:
        page = pages.pop()
        if page in seen:
            continue
        seen.add(page)
        response = client.get(page)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        for link in main_links(response.content.decode()):
            status = client.get(link).status_code
            if status == 403:
                refused.append((page, link))
            elif PRODUCT_PAGES.match(link):
                pages.append(link)
    return refused


def test_no_link_on_the_product_pages_is_refused_to_whom_sees_it(client_as, start_pages):
    """The labels, a new collection, the release of an excursion: each link only for the roles that may follow it."""
    refused = {username: refused_links(client_as(username), start_pages) for username in CLINICAL}
    assert refused == {username: [] for username in CLINICAL}
