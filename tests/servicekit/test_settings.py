from __future__ import annotations

import pytest
from pydantic import SecretStr

from practica.settings import Environment, PracticaSettings
from servicekit.settings import SettingsError, load_settings, settings_summary, settings_table


def test_a_bad_database_url_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "nonsense")
    with pytest.raises(SettingsError) as raised:
        load_settings(PracticaSettings)
    message = str(raised.value)
    assert message.startswith("DATABASE_URL: ")
    assert "\n" not in message


def test_a_non_postgres_database_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://u:p@db/x")
    with pytest.raises(SettingsError, match=r"^DATABASE_URL: uses 'mysql'"):
        load_settings(PracticaSettings)


def test_a_port_out_of_range_names_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRACTICA_PORT", "70000")
    with pytest.raises(SettingsError, match=r"^PRACTICA_PORT: "):
        load_settings(PracticaSettings)


def test_postgres_urls_get_the_psycopg_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db.internal:5433/practica")
    settings = load_settings(PracticaSettings)
    assert settings.database_url == "postgresql+psycopg://app:pw@db.internal:5433/practica"
    assert not settings.uses_embedded_database


def test_production_refuses_a_missing_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRACTICA_ENV", "production")
    with pytest.raises(SettingsError, match="PRACTICA_SECRET_KEY must be at least 32 characters"):
        load_settings(PracticaSettings)


def test_the_summary_hides_secrets_and_passwords() -> None:
    settings = PracticaSettings(
        database_url="postgresql://app:hunter2@db/practica",
        practica_secret_key=SecretStr("k" * 40),
        practica_env=Environment.PRODUCTION,
    )
    summary = settings_summary(settings)
    assert "hunter2" not in " ".join(summary.values())
    assert "k" * 40 not in " ".join(summary.values())
    assert summary["PRACTICA_SECRET_KEY"] == "********"
    assert summary["PRACTICA_ENV"] == "production"


def test_the_readme_table_lists_every_variable() -> None:
    table = settings_table(PracticaSettings)
    for name in PracticaSettings.model_fields:
        assert f"`{name.upper()}`" in table
