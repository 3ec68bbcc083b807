"""The French translation: complete, placeholder-safe, and actually served."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "cellrelay" / "locale"
FRENCH_PO = LOCALE_DIR / "fr" / "LC_MESSAGES" / "django.po"
FRENCH_MO = FRENCH_PO.with_suffix(".mo")

# %(name)s, %(count)d, %(ratio).1f…: the whole specifier, so a changed conversion type is caught too.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*(?:\d+)?(?:\.\d+)?[sdiouxXeEfFgGcr]")


def french_messages():
    with FRENCH_PO.open("rb") as po_file:
        catalog = read_po(po_file)
    return catalog, [message for message in catalog if message.id]  # the header has an empty msgid


def forms_of(message):
    """The translated strings of a message: one, or one per plural form."""
    return list(message.string) if message.pluralizable else [message.string]


def source_text(message):
    return message.id[0] if message.pluralizable else message.id


def placeholders(text):
    return {match.group(0) for match in PLACEHOLDER.finditer(text or "")}


def test_french_catalog_is_complete():
    catalog, messages = french_messages()
    assert messages, f"{FRENCH_PO} holds no message: run makemessages first."
    assert not catalog.fuzzy, "The catalog header is marked fuzzy."
    untranslated = [source_text(m) for m in messages if not all(forms_of(m))]
    fuzzy = [source_text(m) for m in messages if m.fuzzy]
    assert not (untranslated or fuzzy), (
        f"{len(untranslated)} untranslated French message(s): {untranslated}; "
        f"{len(fuzzy)} fuzzy French message(s): {fuzzy}"
    )


def test_french_catalog_declares_french_plurals():
    catalog, messages = french_messages()
    assert str(catalog.locale) == "fr"
    assert catalog.num_plurals == 2
    assert catalog.plural_expr.replace(" ", "") == "(n>1)"
    wrong_count = [source_text(m) for m in messages if m.pluralizable and len(m.string) != 2]
    assert not wrong_count, f"Plural messages without exactly 2 French forms: {wrong_count}"


def test_placeholders_survive_translation():
    _, messages = french_messages()
    broken = []
    for message in messages:
        sources = message.id if message.pluralizable else (message.id,)
        expected = set().union(*(placeholders(text) for text in sources))
        for index, translation in enumerate(forms_of(message)):
            found = placeholders(translation)
            if found != expected:
                broken.append(f"{source_text(message)!r} [form {index}]: expected {sorted(expected)}, got {sorted(found)}")
    assert not broken, "Placeholders changed in translation:\n" + "\n".join(broken)


@pytest.fixture
def compiled_catalog():
    """Django reads the .mo, which is built (and git-ignored), not the .po."""
    if not FRENCH_MO.exists() or FRENCH_MO.stat().st_mtime < FRENCH_PO.stat().st_mtime:
        pytest.fail(f"{FRENCH_MO} is missing or older than the .po: run `make messages` "
                    "(scripts/compile_messages.py).")


@pytest.mark.django_db
def test_login_page_follows_the_browser_language(client, compiled_catalog):
    french = client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 200
    page = french.content.decode()
    assert '<html lang="fr">' in page
    assert 'lang="fr"' in page
    assert "Se connecter" in page
    assert "Mot de passe" in page

    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    page = english.content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Se connecter" not in page


@pytest.mark.django_db
def test_the_language_switch_overrides_the_browser(client, compiled_catalog):
    switched = client.post("/i18n/setlang/", {"language": "fr", "next": "/login/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert switched.status_code == 302
    assert switched["Location"] == "/login/"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"

    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in page
    assert "Se connecter" in page
    assert "Log in" not in page
