import time
import urllib.error

import pytest

import apiserver
from api_client import NotFound, ServiceUnavailable, fetch_all, get_json


@pytest.fixture(scope="module")
def api():
    server = apiserver.start()
    try:
        yield server
    finally:
        apiserver.stop(server)


@pytest.fixture(autouse=True)
def fresh_log(api):
    with api.lock:
        api.requests.clear()


def test_get_json_decodes_the_body(api):
    assert get_json(f"{api.base}/hello") == {"hello": "wörld", "n": [1, 2.5, None]}
    assert api.requests == [("/hello", "application/json")], "one request, with Accept: application/json"


def test_retries_503_until_it_works(api):
    started = time.monotonic()
    assert get_json(f"{api.base}/flaky", retries=3, delay=0.05) == {"ok": True}
    assert api.count("/flaky") == 3
    assert time.monotonic() - started >= 0.09, "wait `delay` seconds between attempts"


def test_gives_up_after_the_retries(api):
    with pytest.raises(ServiceUnavailable):
        get_json(f"{api.base}/down", retries=2, delay=0.01)
    assert api.count("/down") == 3
    with pytest.raises(ServiceUnavailable):
        get_json(f"{api.base}/down", retries=0, delay=0.01)
    assert api.count("/down") == 4


def test_404_is_not_retried(api):
    with pytest.raises(NotFound):
        get_json(f"{api.base}/no-such-thing", retries=3, delay=0.01)
    assert api.count("/no-such-thing") == 1


def test_other_errors_propagate_unchanged(api):
    with pytest.raises(urllib.error.HTTPError) as caught:
        get_json(f"{api.base}/broken", retries=3, delay=0.01)
    assert caught.value.code == 500
    assert api.count("/broken") == 1


def test_fetch_all_follows_every_kind_of_link(api):
    assert fetch_all(f"{api.base}/items?page=1") == [1, 2, 3, 4, 5, 6, 7]
    assert [path for path, _ in api.requests] == ["/items"] * 4


def test_fetch_all_from_the_last_page(api):
    assert fetch_all(f"{api.base}/items?page=4") == [6, 7]
