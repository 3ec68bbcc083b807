"""Content-Security-Policy: every page says scripts and styles come from this server only, in demo and production
mode, and no template carries inline script or style that the policy would block."""

import json
import os
from pathlib import Path
import re
import subprocess
import sys

import pytest

REPO = Path(__file__).resolve().parent.parent


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_strict(header: str) -> None:
    policy = directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header


@pytest.mark.parametrize("url", ["/login/", "/", "/patients/", "/worklist/"])
def test_pages_carry_the_policy_in_demo_mode(client_as, url):
    response = client_as("coordinator").get(url, follow=True)
    assert response.status_code == 200
    assert_strict(response["Content-Security-Policy"])


def test_an_error_page_carries_the_policy_too(client_as):
    response = client_as("coordinator").get("/episodes/999999/")
    assert response.status_code == 404
    assert_strict(response["Content-Security-Policy"])


def test_the_api_docs_allow_data_images_and_nothing_inline(client_as):
    response = client_as("coordinator").get("/api/docs")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["img-src"] == ["'self'", "data:"]  # Swagger UI's icons are data: URLs in its stylesheet
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]


PRODUCTION_PAGE = """
import django; django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/login/", secure=True)
print(response.status_code, response["Content-Security-Policy"])
"""


def test_pages_carry_the_policy_in_production_mode():
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(CELLRELAY_PRODUCTION="1", SECRET_KEY="production-test-" + "x" * 40, ALLOWED_HOSTS="testserver",
               DJANGO_SETTINGS_MODULE="cellrelay.settings", PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", PRODUCTION_PAGE], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    status, header = done.stdout.strip().split(" ", 1)
    assert status == "200"
    assert_strict(header)


# Markup the policy would block: an inline <script> (one without src), a <style> element, a style="" attribute,
# an on…="" event handler, a javascript: URL.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style\b|\sstyle=|"
                    r"\son[a-z]+=|javascript:", re.IGNORECASE)


def test_no_template_carries_inline_script_or_style():
    templates = sorted((REPO / "cellrelay").glob("**/templates/**/*.html"))
    assert templates
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}" for path in templates
             for number, line in enumerate(path.read_text().splitlines(), 1) if INLINE.search(line)]
    assert found == []
