import pytest
from tests.organisation.test_permission_matrix import (PERSONAS, expected_status, pages, url_of, world)  # noqa
from tests.organisation import matrix_administration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", PERSONAS)
def test_mine(username, client_as, world):
    client = client_as(username)
    wrong = []
    for name, route, view in pages():
        targets = matrix_administration.targets(name, route, world)
        if targets is None:
            continue
        for target in targets:
            url = url_of(route, target)
            response = client.get(url)
            want = expected_status(username, view.required_action, target, 200)
            if response.status_code != want:
                wrong.append(f"{url} ({name}): got {response.status_code}, want {want}")
    assert wrong == []
