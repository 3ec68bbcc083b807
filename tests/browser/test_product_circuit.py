"""The product at the center, in the browser: the two-person receipt, the bedside hard stop, the thaw countdown."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cellrelay.products.services.administration import start_thaw
from cellrelay.products.models import Bag, CustodyEvent, Deviation, Product
from tests.conftest import PASSWORD
from tests.pharmacy.helpers import DIN_A, SCAN_A
from tests.products.test_administration import NURSE, SECOND, bag, bags  # noqa: F401
from tests.products.test_custody import DIN_B, other_product, product, scanned_din  # noqa: F401

pytestmark = pytest.mark.browser
SECOND_PERSON = re.compile(r"^Second person:?$")  # not “Second person's password”


def watch_errors(page) -> list[str]:
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    return errors


def log_in(page, username):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def scan(field, code):
    """As a keyboard-wedge scanner does: the characters, then Enter."""
    field.press_sequentially(code)
    field.press("Enter")


def test_the_pharmacist_receives_the_product_with_a_second_person(page, product, users):
    errors = watch_errors(page)
    log_in(page, "pharmacist")
    page.goto(f"/products/{product.pk}/receive/")
    expect(page.get_by_role("heading", name="Receive the product")).to_be_visible()
    expect(page.locator("section.expected")).to_contain_text(DIN_A)

    codes = page.get_by_label("Scanned codes")
    scan(codes, scanned_din(DIN_A))  # Enter in the textarea: a new line, the form is not sent
    scan(codes, "KITE-123")
    page.get_by_role("group", name="Seal intact").get_by_label("Yes").check()
    page.get_by_label("Dry shipper temperature (°C)").fill("-182.5")
    page.get_by_role("group", name="Documents complete").get_by_label("Yes").check()
    page.get_by_label("Number of bags").fill("2")
    page.get_by_label("Expiry on the bags' labels").fill(
        (timezone.localtime() + dt.timedelta(days=200)).strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_label("Place")).to_have_value("PUI")
    page.get_by_label("Your password").fill(PASSWORD)
    second = page.get_by_label(SECOND_PERSON)
    expect(second.locator("option", has_text="Sophie Dubois")).to_have_count(0)  # never the receiver
    expect(second.locator("option", has_text="Claire Martin")).to_have_count(0)  # the coordinator: not the pharmacy
    second.select_option(label="Julien Girard")
    page.get_by_label("Second person's password").fill(PASSWORD)
    page.get_by_role("button", name="Receive and sign").click()

    expect(page.get_by_text("Product received and accepted: 2 bag(s) registered.")).to_be_visible()
    product.refresh_from_db()
    assert product.status == Product.Status.ACCEPTED and product.bags.count() == 2
    event = CustodyEvent.objects.get(action="received")
    assert (event.actor, event.second_person) == (users["pharmacist"], users["pharmacist2"])
    assert event.scanned == [scanned_din(DIN_A), "KITE-123"]
    assert errors == []


def test_another_patients_bag_at_the_bedside_is_a_hard_stop_then_the_right_bag_passes(page, bag, other_product,
                                                                                       users):
    errors = watch_errors(page)
    ipp = bag.product.episode.patient.local_ids.get().ipp
    wrong = scanned_din(DIN_B)  # on the label of another patient's product
    log_in(page, NURSE)
    page.goto(f"/bags/{bag.pk}/")
    page.get_by_role("link", name="Bedside check").click()

    def fill_and_sign(bag_code):
        wristband = page.get_by_label("Patient's wristband")
        wristband.fill("")
        scan(wristband, ipp)
        expect(page.get_by_label("Bag's code")).to_be_focused()  # the scanner's Enter moved on, sent nothing
        page.get_by_label("Bag's code").fill("")
        scan(page.get_by_label("Bag's code"), bag_code)
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_label(SECOND_PERSON).select_option(label="Paul Bernard")
        page.get_by_label("Second person's password").fill(PASSWORD)
        page.get_by_role("button", name="Check and sign").click()

    fill_and_sign(wrong)
    hard_stop = page.locator(".hard-stop[role=alert]")
    expect(hard_stop).to_contain_text("HARD STOP")
    expect(hard_stop).to_contain_text(f"{wrong} belongs to another patient's product, not to bag 1")
    expect(hard_stop).to_contain_text("Expected: ")
    expect(hard_stop).to_contain_text(f"ISBT 128 DIN {DIN_A}")
    deviation = Deviation.objects.get()
    assert (deviation.kind, deviation.scanned, deviation.other_product) == ("identity_mismatch", wrong, other_product)
    assert Bag.objects.get(pk=bag.pk).bedside_checked_at is None
    assert not CustodyEvent.objects.filter(action="bedside_checked").exists()

    fill_and_sign(SCAN_A)
    expect(page.get_by_text("Bedside check passed: patient and bag 1 match.")).to_be_visible()
    checked = Bag.objects.get(pk=bag.pk)
    assert (checked.bedside_checked_by, checked.bedside_second_person) == (users[NURSE], users[SECOND])
    assert Deviation.objects.count() == 1
    assert errors == []


def test_the_thaw_countdown_ticks_on_the_bag_page(page, bag, users):
    errors = watch_errors(page)
    start_thaw(actor=users[NURSE], bag=bag, at=timezone.now() - dt.timedelta(minutes=5))
    log_in(page, NURSE)
    page.goto(f"/bags/{bag.pk}/")
    clock = page.locator("[data-countdown-text]")
    expect(clock).to_have_text(re.compile(r"^2[45]:\d\d remaining$"))
    first = clock.text_content()
    page.wait_for_timeout(1500)
    second = clock.text_content()
    assert first != second, (first, second)
    assert second.endswith(" remaining")
    expect(page.locator("section.countdown.overdue")).to_have_count(0)
    assert errors == []


def test_an_excursion_in_the_return_shipment_blocks_the_dispensing_until_the_pharmacist_releases_it(page, episode,
                                                                                                   users):
    from tests.products.test_excursion_release import REASON, bags_after_an_excursion

    bag = bags_after_an_excursion(episode, users)[0]  # the patient in lymphodepletion, on the infusion day
    errors = watch_errors(page)
    log_in(page, "pharmacist")
    page.goto(f"/bags/{bag.pk}/dispense/")
    excursion_check = page.get_by_role("row", name=re.compile("No unreleased temperature excursion in shipment"))
    expect(excursion_check).to_contain_text("Temperature excursion, not released: dry shipper DS-0042: -120.4 °C")
    expect(excursion_check.get_by_label("not met")).to_be_visible()
    expect(page.get_by_text("The bag is dispensed once every condition is met.")).to_be_visible()
    expect(page.get_by_role("button", name="Dispense")).to_have_count(0)  # no form while a check fails

    page.get_by_role("link", name="Decide on the temperature excursion on the product page").click()
    deviation = page.get_by_role("row", name=re.compile("Temperature excursion"))
    deviation.get_by_role("link", name="Release (signed decision)").click()
    expect(page.get_by_role("heading", name="Decide on the temperature excursion")).to_be_visible()
    page.get_by_label("What was checked, and why the product may be used").fill(REASON)
    page.get_by_label("Your password (signature)").fill(PASSWORD)
    page.get_by_role("button", name="Release the excursion and sign").click()
    expect(page.get_by_text("The temperature excursion is released: the product may be dispensed.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Temperature excursion"))).to_contain_text(
        "Released by Sophie Dubois")

    page.goto(f"/bags/{bag.pk}/dispense/")
    expect(excursion_check.get_by_label("met", exact=True)).to_be_visible()
    expect(page.get_by_label("not met")).to_have_count(0)
    scan(page.get_by_label("Bag's code"), SCAN_A)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Dispense").click()
    expect(page.get_by_text("Bag 1 dispensed.")).to_be_visible()
    bag.refresh_from_db()
    assert bag.status == Bag.Status.DISPENSED and bag.dispensed_by == users["pharmacist"]
    assert timezone.localdate(bag.dispensed_at) == episode.milestones.get(kind="infusion").planned
    assert errors == []
