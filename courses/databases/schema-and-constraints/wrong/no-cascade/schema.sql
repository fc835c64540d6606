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
    year      INTEGER CHECK (year BETWEEN 1450 AND 2100),  -- NULL (unknown) passes a CHECK
    copies    INTEGER NOT NULL DEFAULT 1 CHECK (copies >= 0)
);

CREATE TABLE loans (
    id          INTEGER PRIMARY KEY,
    book_id     INTEGER NOT NULL REFERENCES books (id),
    borrower    TEXT NOT NULL,
    loaned_on   TEXT NOT NULL DEFAULT CURRENT_DATE,
    returned_on TEXT,
    CHECK (returned_on IS NULL OR returned_on >= loaned_on)
);

CREATE INDEX loans_by_borrower ON loans (borrower);
