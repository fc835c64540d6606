-- A few rows to try your queries on:
--   sqlite3 shop.db < schema.sql && sqlite3 shop.db < sample_data.sql
--   sqlite3 -header -column shop.db < queries/NAME.sql
-- (The tests use data of their own.)

INSERT INTO customers (id, name, email, country, joined_on) VALUES
    (1, 'Hedy Lamarr',      'hedy@example.com',     'AT', '2023-10-09'),
    (2, 'Tim Berners-Lee',  'tim@example.com',      'GB', '2024-02-29'),
    (3, 'Katherine Johnson','katherine@example.com','US', '2024-08-26'),
    (4, 'Dennis Ritchie',   'dennis@example.com',   'US', '2025-02-01'),
    (5, 'Sophie Wilson',    'sophie@example.com',   'GB', '2024-05-05');

INSERT INTO orders (id, customer_id, placed_on, total_cents, status) VALUES
    (1, 1,    '2024-01-10', 4500,  'paid'),
    (2, 2,    '2024-03-01', 12500, 'paid'),
    (3, NULL, '2024-03-02', 990,   'paid'),
    (4, 3,    '2024-03-15', 30000, 'refunded'),
    (5, 2,    '2024-04-01', 8000,  'pending'),
    (6, 1,    '2024-04-20', 15000, 'paid');
