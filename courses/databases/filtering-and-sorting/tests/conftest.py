"""A fresh shop database for every test, and a way to run the learner's queries/*.sql on it."""

import re
import sqlite3
from pathlib import Path

import pytest

WORKSPACE = Path.cwd()

SCHEMA = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL,
    country TEXT NOT NULL, joined_on TEXT NOT NULL
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id),
    placed_on TEXT NOT NULL, total_cents INTEGER NOT NULL, status TEXT NOT NULL
);
"""

CUSTOMERS = [
    (1, "Ada Lovelace", "ada@example.org", "GB", "2023-11-02"),
    (2, "Linus Torvalds", "linus@example.org", "FI", "2024-01-15"),
    (3, "Grace Hopper", "grace@example.org", "US", "2024-03-08"),
    (4, "Alan Turing", "alan@example.org", "GB", "2024-03-08"),
    (5, "Zoë Müller", "zoe@example.org", "DE", "2024-12-31"),
    (6, "Edsger Dijkstra", "edsger@example.org", "NL", "2025-01-01"),
    (7, "Barbara Liskov", "barbara@example.org", "US", "2023-12-31"),
    (8, "Ken Thompson", "ken@example.org", "US", "2024-06-30"),
    (9, "Margaret Hamilton", "margaret@example.org", "US", "2024-07-01"),
    (10, "Niklaus Wirth", "niklaus@example.org", "CH", "2022-05-05"),
]

ORDERS = [
    (1, 1, "2024-01-05", 12000, "paid"),
    (2, 1, "2024-01-20", 3000, "paid"),
    (3, 2, "2024-01-22", 14000, "paid"),
    (4, 3, "2024-02-01", 10000, "paid"),
    (5, None, "2024-02-03", 2500, "paid"),
    (6, 3, "2024-02-14", 9999, "paid"),
    (7, 4, "2024-02-20", 50000, "refunded"),
    (8, 5, "2024-03-01", 8000, "pending"),
    (9, 2, "2024-03-03", 1000, "paid"),
    (10, None, "2024-03-05", 700, "pending"),
    (11, 6, "2024-03-09", 20000, "paid"),
    (12, 7, "2024-03-15", 15000, "paid"),
    (13, 6, "2024-03-28", 500, "paid"),
]


@pytest.fixture
def db():
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", CUSTOMERS)
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", ORDERS)
    conn.commit()
    try:
        yield conn
    finally:
        conn.close()


def _without_comments(sql):
    return re.sub(r"--[^\n]*|/\*.*?\*/", "", sql, flags=re.DOTALL).strip()


@pytest.fixture
def query(db):
    """query(NAME, **params) runs queries/NAME.sql and returns (column names, rows)."""

    def run(name, **params):
        path = WORKSPACE / "queries" / f"{name}.sql"
        if not path.is_file():
            pytest.fail(f"queries/{name}.sql does not exist")
        sql = path.read_text(encoding="utf-8")
        if not _without_comments(sql):
            pytest.fail(f"queries/{name}.sql has no query yet")
        try:
            cursor = db.execute(sql, params)
        except sqlite3.Error as error:
            pytest.fail(f"queries/{name}.sql failed: {error}")
        if cursor.description is None:
            pytest.fail(f"queries/{name}.sql returned no rows at all: is it a SELECT?")
        return [column[0] for column in cursor.description], cursor.fetchall()

    return run
