import pytest
from tests.organisation.test_permission_matrix import (PERSONAS, world, pages, membership_of, url_of,
                                                        expected_status)
from tests.organisation import matrix_manufacturing

pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("username", PERSONAS)
def test_my_pages(username, client_as, world):
    client = client_as(username)
    wrong = []
    for name, route, view in pages():
        targets = matrix_manufacturing.targets(name, route, world)
        if targets is None:
            continue
        for target in targets:
            url = url_of(route, target)
            response = client.get(url)
            want = expected_status(username, view.required_action, target, 200)
            if response.status_code != want:
                wrong.append(f"{url} ({name}): got {response.status_code}, want {want}")
    assert wrong == []
