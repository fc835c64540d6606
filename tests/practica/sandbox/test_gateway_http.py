"""Files and published ports through a real gateway, and the tokens that open it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import jwt
import pytest
from pydantic import SecretStr

from practica.sandbox import ExecRequest, Runtime
from practica.sandbox.gateway import GatewayAction, issue_gateway_token
from practica.sandbox.gateway.tokens import AUDIENCE, gateway_key
from tests.practica.sandbox.conftest import GatewayServer

pytestmark = pytest.mark.sandbox


@pytest.fixture
async def client(gateway: GatewayServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as made:
        yield made


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_file_operations(client: httpx.AsyncClient, gateway: GatewayServer, published_env: str) -> None:
    auth = bearer(gateway.token(published_env))
    files = f"/environments/{published_env}/files"
    assert (
        await client.put(files, params={"path": "src/main.py"}, content=b"print(1)\n", headers=auth)
    ).status_code == 204
    listing = (await client.get(files, params={"path": "src"}, headers=auth)).json()
    assert [(e["name"], e["kind"], e["size"]) for e in listing["entries"]] == [("main.py", "file", 9)]
    read = await client.get(files, params={"path": "src/main.py"}, headers=auth)
    assert (read.status_code, read.content) == (200, b"print(1)\n")
    moved = await client.post(f"{files}/rename", json={"source": "src/main.py", "target": "app/run.py"}, headers=auth)
    assert moved.status_code == 204
    assert (await client.get(files, params={"path": "app/run.py"}, headers=auth)).content == b"print(1)\n"
    assert (await client.delete(files, params={"path": "app"}, headers=auth)).status_code == 204
    assert (await client.get(files, params={"path": "app/run.py"}, headers=auth)).status_code == 404
    root = (await client.get(files, headers=auth)).json()
    assert [e["name"] for e in root["entries"]] == ["src"]


async def test_file_operations_refuse_escapes(
    client: httpx.AsyncClient, gateway: GatewayServer, published_env: str, bwrap: Runtime
) -> None:
    auth = bearer(gateway.token(published_env))
    files = f"/environments/{published_env}/files"
    await bwrap.exec(published_env, ExecRequest(argv=["ln", "-s", "/etc", "hostetc"]))
    for path in ("../../etc/passwd", "/etc/passwd", "hostetc/passwd", "a/../../x"):
        assert (await client.get(files, params={"path": path}, headers=auth)).status_code == 400, path
        assert (await client.put(files, params={"path": path}, content=b"x", headers=auth)).status_code == 400
        assert (await client.delete(files, params={"path": path}, headers=auth)).status_code == 400
    renamed = await client.post(f"{files}/rename", json={"source": "hostetc", "target": "../out"}, headers=auth)
    assert renamed.status_code == 400
    assert (await client.get(files, params={"path": "missing.txt"}, headers=auth)).status_code == 404


async def test_tokens_are_checked_for_every_request(
    client: httpx.AsyncClient, gateway: GatewayServer, published_env: str
) -> None:
    files = f"/environments/{published_env}/files"
    assert (await client.get(files)).status_code == 401
    assert (await client.get(files, headers=bearer("nonsense"))).status_code == 401
    expired = gateway.token(published_env, ttl=30, age=60)
    assert (await client.get(files, headers=bearer(expired))).status_code == 401
    other_key = gateway.settings.model_copy(update={"gateway_key": SecretStr("x" * 40)})
    forged = issue_gateway_token(other_key, "learner-7", published_env, timedelta(minutes=1))
    assert (await client.get(files, headers=bearer(forged))).status_code == 401
    too_long = jwt.encode(
        {"aud": AUDIENCE, "sub": "7", "env": published_env, "act": ["files:read"], "iat": 0, "exp": 2**40},
        gateway_key(gateway.settings),
        algorithm="HS256",
    )
    assert (await client.get(files, headers=bearer(too_long))).status_code == 401
    other_env = gateway.token("0123456789abcdef")
    assert (await client.get(files, headers=bearer(other_env))).status_code == 403
    read_only = gateway.token(published_env, actions=(GatewayAction.FILES_READ,))
    assert (await client.get(files, headers=bearer(read_only))).status_code == 200
    assert (await client.put(files, params={"path": "x"}, content=b"", headers=bearer(read_only))).status_code == 403
    assert (await client.get(files, params={"token": read_only})).status_code == 200
    with pytest.raises(ValueError, match="between"):
        gateway.token(published_env, ttl=11 * 60)


async def start_server(runtime: Runtime, env_id: str, port: int) -> None:
    await runtime.write_file(env_id, "site/index.html", b"<h1>learner site</h1>")
    await runtime.write_file(env_id, "site/docs/page.html", b"a page")
    server = f"cd site && exec python3 -m http.server {port} >/dev/null 2>&1"
    await runtime.exec(env_id, ExecRequest(argv=["sh", "-c", f"({server}) &"]))
    for _ in range(100):
        probe = await runtime.exec(env_id, ExecRequest(argv=["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"]))
        if probe.exit_code == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the server on port {port} did not start")


async def test_a_published_port_reaches_the_learners_server(
    client: httpx.AsyncClient, gateway: GatewayServer, published_env: str, bwrap: Runtime
) -> None:
    await start_server(bwrap, published_env, 8080)
    base = f"/environments/{published_env}/ports/8080"
    token = gateway.token(published_env, actions=(GatewayAction.PORTS,))
    page = await client.get(f"{base}/index.html", params={"token": token})
    assert (page.status_code, page.text) == (200, "<h1>learner site</h1>")
    assert "SimpleHTTP" in page.headers["server"]
    assert "httponly" in page.headers["set-cookie"].lower()
    again = await client.get(f"{base}/index.html")  # the cookie the first answer set
    assert again.status_code == 200
    listing = await client.get(f"{base}/docs/?x=1", headers=bearer(token))
    assert "page.html" in listing.text
    redirect = await client.get(f"{base}/docs", headers=bearer(token))  # http.server adds the slash
    assert (redirect.status_code, redirect.headers["location"]) == (301, f"{base}/docs/")
    root = await client.get(base, params={"token": token})
    assert (root.status_code, root.headers["location"]) == (307, f"{base}/?token={token}")


async def test_unpublished_and_silent_ports_are_refused(
    client: httpx.AsyncClient, gateway: GatewayServer, published_env: str, bwrap: Runtime
) -> None:
    await start_server(bwrap, published_env, 9090)
    auth = bearer(gateway.token(published_env))
    assert (await client.get(f"/environments/{published_env}/ports/9090/", headers=auth)).status_code == 403
    assert (await client.get(f"/environments/{published_env}/ports/8081/", headers=auth)).status_code == 502
    files_only = bearer(gateway.token(published_env, actions=(GatewayAction.FILES_READ,)))
    assert (await client.get(f"/environments/{published_env}/ports/8080/", headers=files_only)).status_code == 403
    assert (await client.get(f"/environments/{published_env}/ports/8080/")).status_code == 401


async def test_only_the_web_apps_origin_may_call_the_file_api_from_a_page(
    client: httpx.AsyncClient, published_env: str
) -> None:
    files = f"/environments/{published_env}/files"
    asked = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization"}
    allowed = await client.options(files, headers={"Origin": "http://127.0.0.1:8000", **asked})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    refused = await client.options(files, headers={"Origin": "https://evil.example", **asked})
    assert "access-control-allow-origin" not in refused.headers
