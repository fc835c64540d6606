-- A small lending library. Run: sqlite3 library.db < schema.sql

CREATE TABLE authors (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE books (
    id        INTEGER PRIMARY KEY,
    title     TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES authors (id),  -- no ON DELETE: authors with books stay
    isbn      TEXT NOT NULL UNIQUE,
    year      INTEGER,
    copies    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE loans (
    id          INTEGER PRIMARY KEY,
    book_id     INTEGER NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    borrower    TEXT NOT NULL,
    loaned_on   TEXT NOT NULL DEFAULT CURRENT_DATE,
    returned_on TEXT
);

CREATE INDEX loans_by_borrower ON loans (borrower);
