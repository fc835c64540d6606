"""The operators' console at ``/console/``: a page that allows its own files only, cannot be framed, and
an admin token the server never takes from a URL."""

from __future__ import annotations

import httpx

from tests.security.chronicles_fixtures import ADMIN_TOKEN, Chronicles

STATUS = {"query": "{ ingestionStatus { totalLag } }"}


def test_the_console_page_runs_only_its_own_scripts_and_styles(chronicles_service: Chronicles) -> None:
    page = httpx.get(f"{chronicles_service.base}/console/")
    policy = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert (policy["script-src"], policy["style-src"], policy["connect-src"]) == ("'self'", "'self'", "'self'")
    assert (policy["frame-ancestors"], policy["base-uri"], policy["form-action"]) == ("'none'", "'none'", "'none'")


def test_the_console_page_cannot_be_framed_or_sniffed(chronicles_service: Chronicles) -> None:
    for path in ("/console/", "/console/dead-letters"):
        headers = httpx.get(f"{chronicles_service.base}{path}").headers
        assert (headers["X-Frame-Options"], headers["X-Content-Type-Options"]) == ("DENY", "nosniff"), path
        assert headers["Referrer-Policy"] == "no-referrer", path


def test_the_admin_token_in_a_url_is_no_token(chronicles_service: Chronicles) -> None:
    for query in (f"token={ADMIN_TOKEN}", f"access_token={ADMIN_TOKEN}", f"authorization=Bearer%20{ADMIN_TOKEN}"):
        answer = httpx.post(f"{chronicles_service.base}/internal/graphql?{query}", json=STATUS)
        assert answer.status_code == 401, query


def test_no_file_outside_the_console_assets_is_served(chronicles_service: Chronicles) -> None:
    for path in ("/console/assets/..%2f..%2fweb.py", "/console/assets/../../web.py", "/console/..%2fweb.py"):
        answer = httpx.get(f"{chronicles_service.base}{path}")
        assert answer.status_code == 404, path
        assert b"STATIC_DIR" not in answer.content, path
