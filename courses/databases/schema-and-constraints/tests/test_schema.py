import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

SCHEMA = Path.cwd() / "schema.sql"


@pytest.fixture
def db():
    conn = sqlite3.connect(":memory:", isolation_level=None)  # autocommit: every statement stands alone
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        conn.executescript(SCHEMA.read_text(encoding="utf-8"))
    except sqlite3.Error as error:
        pytest.fail(f"schema.sql does not run: {error}")
    conn.execute("INSERT INTO authors (id, name) VALUES (1, 'Ursula K. Le Guin'), (2, 'Terry Pratchett')")
    try:
        yield conn
    finally:
        conn.close()


def columns(db, table):
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def add_book(db, **values):
    row = {"title": "The Dispossessed", "author_id": 1, "isbn": "978-0-06-051275-4", **values}
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    return db.execute(f"INSERT INTO books ({names}) VALUES ({marks})", list(row.values())).lastrowid


def add_loan(db, **values):
    row = {"book_id": 1, "borrower": "sam", **values}
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    return db.execute(f"INSERT INTO loans ({names}) VALUES ({marks})", list(row.values())).lastrowid


def test_tables_and_columns(db):
    assert columns(db, "authors") == {"id", "name"}
    assert columns(db, "books") == {"id", "title", "author_id", "isbn", "year", "copies"}
    assert columns(db, "loans") == {"id", "book_id", "borrower", "loaned_on", "returned_on"}


def test_valid_rows_and_defaults(db):
    book = add_book(db, year=1974)
    assert db.execute("SELECT copies FROM books WHERE id = ?", [book]).fetchone() == (1,)
    add_book(db, title="Mort", author_id=2, isbn="978-0-552-13106-1", year=None, copies=0)
    loan = add_loan(db, book_id=book)
    today = datetime.now(timezone.utc).date().isoformat()  # CURRENT_DATE is in UTC
    assert db.execute("SELECT loaned_on, returned_on FROM loans WHERE id = ?", [loan]).fetchone() == (today, None)
    add_loan(db, book_id=book, loaned_on="2024-03-01", returned_on="2024-03-01")
    add_loan(db, book_id=book, loaned_on="2024-03-01", returned_on="2024-04-15")


BAD_ROWS = {
    "author without a name": "INSERT INTO authors (name) VALUES (NULL)",
    "two authors with one name": "INSERT INTO authors (name) VALUES ('Terry Pratchett')",
    "book without a title": "INSERT INTO books (title, author_id, isbn) VALUES (NULL, 1, 'a')",
    "book without an author": "INSERT INTO books (title, author_id, isbn) VALUES ('T', NULL, 'a')",
    "book by an unknown author": "INSERT INTO books (title, author_id, isbn) VALUES ('T', 99, 'a')",
    "book without an isbn": "INSERT INTO books (title, author_id, isbn) VALUES ('T', 1, NULL)",
    "two books with one isbn": "INSERT INTO books (title, author_id, isbn) VALUES ('T', 2, 'isbn-1')",
    "book from 1200": "INSERT INTO books (title, author_id, isbn, year) VALUES ('T', 1, 'a', 1200)",
    "book from 2500": "INSERT INTO books (title, author_id, isbn, year) VALUES ('T', 1, 'a', 2500)",
    "negative copies": "INSERT INTO books (title, author_id, isbn, copies) VALUES ('T', 1, 'a', -1)",
    "copies set to NULL": "INSERT INTO books (title, author_id, isbn, copies) VALUES ('T', 1, 'a', NULL)",
    "loan of an unknown book": "INSERT INTO loans (book_id, borrower) VALUES (99, 'sam')",
    "loan without a book": "INSERT INTO loans (book_id, borrower) VALUES (NULL, 'sam')",
    "loan without a borrower": "INSERT INTO loans (book_id, borrower) VALUES (1, NULL)",
    "returned before it was lent": (
        "INSERT INTO loans (book_id, borrower, loaned_on, returned_on) VALUES (1, 'sam', '2024-03-10', '2024-03-01')"
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_rows_are_refused(db, case):
    db.execute("INSERT INTO books (id, title, author_id, isbn) VALUES (1, 'The Lathe of Heaven', 1, 'isbn-1')")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(BAD_ROWS[case])


def test_an_author_with_books_cannot_be_deleted(db):
    add_book(db, author_id=1)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("DELETE FROM authors WHERE id = 1")
    db.execute("DELETE FROM authors WHERE id = 2")  # no books: fine
    assert db.execute("SELECT name FROM authors").fetchall() == [("Ursula K. Le Guin",)]


def test_deleting_a_book_deletes_its_loans(db):
    kept = add_book(db, isbn="kept")
    gone = add_book(db, isbn="gone")
    add_loan(db, book_id=kept, borrower="sam")
    add_loan(db, book_id=gone, borrower="sam")
    add_loan(db, book_id=gone, borrower="kim")
    db.execute("DELETE FROM books WHERE id = ?", [gone])
    assert db.execute("SELECT book_id, borrower FROM loans").fetchall() == [(kept, "sam")]


def test_loans_by_borrower_use_an_index(db):
    plan = db.execute("EXPLAIN QUERY PLAN SELECT * FROM loans WHERE borrower = ?", ["sam"]).fetchall()
    details = " / ".join(row[-1] for row in plan)
    assert "INDEX" in details and "borrower" in details, f"the query plan scans the table: {details}"
