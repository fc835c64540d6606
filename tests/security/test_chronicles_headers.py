"""Every answer of Chronicles carries the security headers: no sniffing, no framing, a CSP for an API, no referrer."""

from __future__ import annotations

import httpx

from tests.security.chronicles_fixtures import Chronicles


def test_every_kind_of_answer_carries_the_security_headers(chronicles_service: Chronicles) -> None:
    base = chronicles_service.base
    answers = {
        "ping": httpx.get(f"{base}/ping"),
        "openapi": httpx.get(f"{base}/openapi.json"),
        "not found": httpx.get(f"{base}/nothing-here"),
        "intake without token": httpx.post(f"{base}/entries", json={}),
        "graphql without token": httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}),
        "graphql": httpx.post(
            f"{base}/graphql", json={"query": "{ __typename }"}, headers=chronicles_service.viewer("org:1")
        ),
        "metrics": httpx.get(f"{base}/metrics"),
    }
    for what, response in answers.items():
        headers = response.headers
        assert headers.get("X-Content-Type-Options") == "nosniff", what
        assert headers.get("X-Frame-Options") == "DENY", what
        assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), what
        assert "default-src 'none'" in headers["Content-Security-Policy"], what
        assert headers.get("Referrer-Policy") == "no-referrer", what


def test_a_refused_body_carries_them_too(chronicles_service: Chronicles) -> None:
    head = f"POST /entries HTTP/1.1\r\nHost: chronicles\r\nContent-Length: {2**30}\r\n\r\n".encode()
    answer = chronicles_service.raw_request(head).lower()
    assert answer.startswith(b"http/1.1 413")
    for header in (b"x-content-type-options: nosniff", b"x-frame-options: deny", b"referrer-policy: no-referrer"):
        assert header in answer
    assert b"frame-ancestors 'none'" in answer


def test_there_is_no_html_page_to_frame_or_script(chronicles_service: Chronicles) -> None:
    """The API serves no Swagger or ReDoc page (its CSP would break them, and an API needs none)."""
    for path in ("/docs", "/redoc"):
        assert httpx.get(chronicles_service.base + path).status_code == 404
