-- The shop's database. SQLite stores dates as text: 'YYYY-MM-DD'.

CREATE TABLE customers (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    email     TEXT NOT NULL,
    country   TEXT NOT NULL,  -- two-letter code: 'GB', 'US', ...
    joined_on TEXT NOT NULL   -- 'YYYY-MM-DD'
);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers (id),  -- NULL: a guest checkout
    placed_on   TEXT NOT NULL,                      -- 'YYYY-MM-DD'
    total_cents INTEGER NOT NULL,
    status      TEXT NOT NULL                       -- 'paid', 'pending' or 'refunded'
);
