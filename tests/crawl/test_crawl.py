"""The whole app as its users walk it: the demo hospital on a live server, every persona, every link.

Each persona signs in through the login form (real sessions, CSRF, middleware and transactions, not
the test client's wrapping transaction), then follows every link and htmx fetch breadth-first from
the page they land on, documents included (PDF, calendar, CSV). The crawl fails on any server error,
on any link that answers 403, 404 or 405 to the person it was shown to, on a document that is not
what it says, and on a French page that leaves English text in its body.
"""

from collections import Counter, defaultdict
import io
from pathlib import Path

from babel.messages.pofile import read_po
from django.core.management import call_command
import pytest

from cellrelay.demo import hospital

from .crawler import DOCUMENT_TYPES, Session, crawl, parse

# Everyone who signs in with a password (the machine accounts use API tokens only).
PERSONAS = ([username for username, *_rest in hospital.STAFF]
            + [username for username, *_rest in hospital.REFERRING_STAFF])
MAX_DEPTH = 4
MAX_PAGES = 600

CATALOG = Path(__file__).resolve().parents[2] / "cellrelay" / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# Words that exist in English and never in French: one of them in a French page is a missed translation.
ENGLISH_ONLY_WORDS = {"the", "and", "with", "from", "this", "that", "which", "is", "are", "was", "has", "have",
                      "will", "must", "should", "of", "to", "for", "not", "none", "yes", "before", "after",
                      "record", "recorded", "edit", "save", "add", "back", "today", "view", "download", "print",
                      "open", "new", "overdue", "planned", "done", "patient's", "by", "at", "days", "day",
                      "show", "all", "next", "previous", "search", "sign", "signed"}


def english_messages() -> set[str]:
    """Every English text of the catalog whose French differs: seen verbatim on a French page, it was not translated."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    texts = set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        if message.string and message.string != message.id and len(message.id) > 3:
            texts.add(" ".join(message.id.split()))
    return texts


def english_left(texts: list[str], english: set[str]) -> list[str]:
    leftovers = []
    for text in texts:
        words = {word.strip(".,;:!?()[]«»\"'").lower() for word in text.split()}
        if text in english or words & ENGLISH_ONLY_WORDS:
            leftovers.append(text)
    return leftovers


def check_page(page, language: str, english: set[str]) -> list[str]:
    """What is wrong with one fetched page, in words."""
    where = f"{page.url} (linked from {page.found_on})"
    if page.status >= 500:
        return [f"{page.status} server error at {where}"]
    if page.status in (301, 302, 303, 307, 308):
        target = page.body.decode()
        return [f"{where} sends the signed-in user to the login page"] if target.startswith("/login/") else []
    if page.status != 200:
        return [f"{page.status} for a link shown to this user: {where}"]
    if page.content_type in DOCUMENT_TYPES:
        magic = DOCUMENT_TYPES[page.content_type]
        return [] if page.body.startswith(magic) and page.body else [f"{where} is not a valid {page.content_type}"]
    if page.content_type != "text/html" or language != "fr":
        return []
    leftovers = english_left(parse(page.body).texts, english)
    return [f"English left on the French page {where}: {leftovers[:5]}"] if leftovers else []


@pytest.fixture
def demo_hospital(live_server, transactional_db, settings):
    settings.PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    return live_server


def walk(base_url: str, language: str) -> tuple[dict[str, list[str]], dict[str, int], Counter]:
    english = english_messages()
    faults: dict[str, list[str]] = defaultdict(list)
    visited: dict[str, int] = {}
    kinds: Counter = Counter()
    for username in PERSONAS:
        session = Session(base_url, language)
        landing = session.log_in(username, hospital.DEMO_PASSWORD)
        count = 0
        for page in crawl(session, landing, max_depth=MAX_DEPTH, max_pages=MAX_PAGES):
            count += 1
            kinds[page.content_type] += page.status == 200
            faults[username].extend(check_page(page, language, english))
        visited[username] = count
    return faults, visited, kinds


def report(faults: dict[str, list[str]]) -> str:
    lines = []
    for username, problems in faults.items():
        for problem in dict.fromkeys(problems):
            lines.append(f"{username}: {problem}")
    return "\n".join(lines)


@pytest.mark.crawl
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_persona_walks_the_demo_without_a_fault(demo_hospital, language):
    faults, visited, kinds = walk(demo_hospital.url, language)
    print(f"\nCrawl ({language}), pages fetched per persona: {visited}; answers by type: {dict(kinds)}")
    assert all(count > 1 for count in visited.values()), visited
    # The demo offers every kind of document: a crawl that reaches none of one kind has lost its way.
    assert {"application/pdf", "text/calendar"} <= {kind for kind, ok in kinds.items() if ok}, kinds
    problems = report(faults)
    assert not problems, f"The crawl ({language}) found:\n{problems}"
