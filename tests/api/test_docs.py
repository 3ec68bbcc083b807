"""The API documentation works on a closed hospital network: no asset from the internet."""

import re
import urllib.request
from urllib.parse import urljoin

import pytest

ASSET = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"')


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8", "replace")


@pytest.mark.django_db(transaction=True)
def test_the_docs_page_loads_every_script_and_stylesheet_from_the_server_itself(live_server):
    status, html = fetch(f"{live_server.url}/api/docs")
    assert status == 200
    assets = ASSET.findall(html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "the docs page references an external URL"
    for asset in assets:
        status, _body = fetch(urljoin(f"{live_server.url}/api/docs", asset))
        assert status == 200, asset
