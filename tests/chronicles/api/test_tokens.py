"""Viewer tokens: the signing key (configured, or made once in the data directory) and the token format."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from chronicles.api.tokens import SigningKeyError, TokenError, mint, parse_ttl, signing_key, verify
from chronicles.cli import app
from chronicles.settings import ChroniclesSettings

KEY = "k" * 40


def _key_in(home: str) -> str:
    return signing_key(ChroniclesSettings(practica_home=Path(home)))


def test_processes_starting_together_agree_on_one_private_key(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        keys = pool.map(_key_in, [str(tmp_path)] * 12)
    assert len(set(keys)) == 1
    assert len(keys[0]) == 64
    path = tmp_path / "chronicles" / "signing.key"
    assert path.read_text() == keys[0]
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "chronicles").stat().st_mode & 0o077 == 0
    assert [p.name for p in (tmp_path / "chronicles").iterdir()] == ["signing.key"]  # no temporary files left


def test_a_configured_key_wins_and_must_be_long_enough(tmp_path: Path) -> None:
    settings = ChroniclesSettings(practica_home=tmp_path, chronicles_signing_key=SecretStr(KEY))
    assert signing_key(settings) == KEY
    assert not (tmp_path / "chronicles").exists()
    short = ChroniclesSettings(practica_home=tmp_path, chronicles_signing_key=SecretStr("short"))
    with pytest.raises(SigningKeyError, match="CHRONICLES_SIGNING_KEY: the signing key must be at least 32"):
        signing_key(short)


def test_the_token_is_a_plain_hs256_jwt_anyone_with_the_key_can_mint(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    token = mint(KEY, ["org:1", "user:2", "org:1"], timedelta(hours=1), subject="gid://practica/User/2", now=now)
    claims = jwt.decode(token, KEY, algorithms=["HS256"])
    assert claims == {
        "access_tags": ["org:1", "user:2"],
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 3600,
        "sub": "gid://practica/User/2",
    }
    # what Practica does in-process: PyJWT and the same key
    minted_elsewhere = jwt.encode({"access_tags": ["org:1"], "exp": now + timedelta(minutes=5)}, KEY, algorithm="HS256")
    viewer = verify(KEY, minted_elsewhere)
    assert viewer.access_tags == ("org:1",)
    assert viewer.subject is None


def test_expired_and_foreign_tokens_are_refused() -> None:
    past = datetime.now(UTC) - timedelta(hours=2)
    with pytest.raises(TokenError, match="expired"):
        verify(KEY, mint(KEY, ["org:1"], timedelta(hours=1), now=past))
    with pytest.raises(TokenError):
        verify(KEY, mint("x" * 40, ["org:1"], timedelta(hours=1)))
    with pytest.raises(ValueError, match="not a tag"):
        mint(KEY, ["org 1"], timedelta(hours=1))


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("15m", 900), ("1h", 3600), ("7d", 604800)])
def test_time_to_live(text: str, seconds: int) -> None:
    assert parse_ttl(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "0", "1w", "-1h", "1.5h", "1h\n2"])
def test_bad_time_to_live(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_ttl(text)


def test_the_cli_prints_a_token_or_names_the_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRACTICA_HOME", str(tmp_path))
    monkeypatch.setenv("CHRONICLES_DATABASE_URL", "postgresql+psycopg://u:p@localhost:5432/unused")
    result = CliRunner().invoke(app, ["token", "--tag", "org:1", "--tag", "public", "--ttl", "2h"])
    assert result.exit_code == 0, result.output
    viewer = verify((tmp_path / "chronicles" / "signing.key").read_text(), result.output.strip())
    assert viewer.access_tags == ("org:1", "public")
    assert timedelta(minutes=119) < viewer.expires_at - datetime.now(UTC) <= timedelta(hours=2)
    refused = CliRunner().invoke(app, ["token", "--tag", "no spaces allowed"])
    assert refused.exit_code == 2
    assert "not a tag" in refused.output
