"""Bodies are capped before and while they are read; GraphQL documents are capped in size and tokens.

Sent on raw sockets, the way a client that ignores limits would: a
``Content-Length`` of 100 MB with no body behind it must be refused at once,
and a chunked body that never ends must be refused once it passes the limit.
A server that read the body first would wait for the rest and never answer.
"""

from __future__ import annotations

from chronicles.api.intake import MAX_BODY_BYTES
from chronicles.api.internal import schema as internal
from chronicles.api.public import schema as public
from tests.security.chronicles_fixtures import Chronicles

CHUNK = 1024 * 1024
CPU_SECONDS = 1.0  # parsing a 2 MB document cost the service 5 s of CPU; a refusal costs milliseconds


def head(path: str, *lines: str) -> bytes:
    fields = ["Host: chronicles", "Content-Type: application/json", *lines]
    return (f"POST {path} HTTP/1.1\r\n" + "".join(f"{line}\r\n" for line in fields) + "\r\n").encode()


def authorization(headers: dict[str, str]) -> str:
    return f"Authorization: {headers['Authorization']}"


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def chunked(total: int) -> bytes:
    """``total`` bytes of a JSON array in 1 MiB chunks, and no last chunk: the body never ends."""
    body = b"[" + b"1," * (total // 2)
    return b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in _parts(body))


def _parts(body: bytes) -> list[bytes]:
    return [body[start : start + CHUNK] for start in range(0, len(body), CHUNK)]


def test_a_declared_100_mb_intake_body_is_refused_before_it_is_sent(chronicles_service: Chronicles) -> None:
    answer = chronicles_service.raw_request(head("/entries", f"Content-Length: {100 * 1024 * 1024}"))
    assert status(answer) == 413
    assert f"over {MAX_BODY_BYTES} bytes".encode() in answer


def test_a_chunked_intake_body_is_refused_once_it_passes_the_limit(chronicles_service: Chronicles) -> None:
    """From a producer with a token (without one the answer is a 401 before any of the body is read)."""
    before = chronicles_service.stored()
    token = authorization(chronicles_service.producer("practica"))
    answer = chronicles_service.raw_request(
        head("/entries", token, "Transfer-Encoding: chunked"), chunked(MAX_BODY_BYTES + 2)
    )
    assert status(answer) == 413
    assert chronicles_service.stored() == before


def test_graphql_bodies_are_capped_before_and_while_they_are_read(chronicles_service: Chronicles) -> None:
    viewer, admin = chronicles_service.viewer("org:1"), chronicles_service.admin()
    for path, limit, token in [
        (public.PATH, public.MAX_BODY_BYTES, viewer),
        (internal.PATH, internal.MAX_BODY_BYTES, admin),
    ]:
        declared = chronicles_service.raw_request(head(path, "Content-Length: 2097152"))
        streaming = head(path, authorization(token), "Transfer-Encoding: chunked")
        streamed = chronicles_service.raw_request(streaming, chunked(limit + 2))
        assert (status(declared), status(streamed)) == (413, 413), path


def test_a_graphql_document_over_its_size_is_refused_quickly(chronicles_service: Chronicles) -> None:
    """Under the body cap, over the document cap: thousands of aliases are never parsed."""
    aliases = " ".join(f"a{index}: entries {{ edges {{ cursor }} }}" for index in range(6000))
    document = "{ " + aliases + " }"
    assert public.MAX_DOCUMENT_CHARACTERS < len(document) < public.MAX_BODY_BYTES
    spent_before = chronicles_service.cpu_seconds()
    response = chronicles_service.post("/graphql", json={"query": document}, headers=chronicles_service.viewer("o:1"))
    spent = chronicles_service.cpu_seconds() - spent_before
    assert spent < CPU_SECONDS, f"the refusal cost the service {spent:.2f} s of CPU"
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DOCUMENT_TOO_LARGE"
    assert f"at most {public.MAX_DOCUMENT_CHARACTERS} are allowed" in error["message"]


def test_a_graphql_document_over_its_tokens_is_refused(chronicles_service: Chronicles) -> None:
    document = "{ " + " ".join(f"e{index}: entries {{ edges {{ cursor }} }}" for index in range(600)) + " }"
    assert len(document) < public.MAX_DOCUMENT_CHARACTERS
    response = chronicles_service.post("/graphql", json={"query": document}, headers=chronicles_service.viewer("o:1"))
    [error] = response.json()["errors"]
    assert f"more than {public.MAX_TOKENS} tokens" in error["message"]
