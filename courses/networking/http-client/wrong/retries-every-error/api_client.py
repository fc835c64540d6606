"""Lesson: an HTTP client with retries and pagination (retries on every error)."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT_S = 5


class NotFound(Exception):
    """The server answered 404."""


class ServiceUnavailable(Exception):
    """The server still answered 503 after every retry."""


def get_json(url, retries=3, delay=0.05):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if attempt == retries:
                raise ServiceUnavailable(f"{url}: still 503 after {retries} retries") from error
        time.sleep(delay)
    raise AssertionError("unreachable")


def fetch_all(url):
    items = []
    while url:
        page = get_json(url)
        items.extend(page["items"])
        link = page.get("next")
        url = urllib.parse.urljoin(url, link) if link else None
    return items
