-- A small lending library. Run: sqlite3 library.db < schema.sql

CREATE TABLE authors (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- TODO: books (id, title, author_id, isbn, year, copies)

-- TODO: loans (id, book_id, borrower, loaned_on, returned_on)

-- TODO: an index for looking up the loans of one borrower
