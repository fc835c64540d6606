def test_top_customers(query):
    assert query("top_customers") == (
        ["name", "order_count", "total_cents"],
        [("Edsger Dijkstra", 2, 20500), ("Grace Hopper", 2, 19999), ("Ada Lovelace", 2, 15000)],
    )


def test_top_customers_follows_the_data(query, db):
    db.execute("INSERT INTO orders VALUES (40, 8, '2024-04-02', 100000, 'paid')")
    db.execute("INSERT INTO orders VALUES (41, 3, '2024-04-03', 1, 'pending')")
    assert query("top_customers")[1] == [
        ("Ken Thompson", 1, 100000),
        ("Edsger Dijkstra", 2, 20500),
        ("Grace Hopper", 2, 19999),
    ]


def test_customers_without_orders(query):
    assert query("customers_without_orders") == (
        ["name"],
        [("Ken Thompson",), ("Margaret Hamilton",), ("Niklaus Wirth",)],
    )


def test_customers_without_orders_follows_the_data(query, db):
    db.execute("INSERT INTO orders VALUES (40, 8, '2024-04-02', 100, 'refunded')")
    db.execute("INSERT INTO customers VALUES (11, 'Alice Recent', 'alice@example.org', 'FR', '2024-05-01')")
    assert query("customers_without_orders")[1] == [("Alice Recent",), ("Margaret Hamilton",), ("Niklaus Wirth",)]


def test_revenue_by_month(query):
    assert query("revenue_by_month") == (
        ["month", "order_count", "revenue_cents"],
        [("2024-01", 3, 29000), ("2024-02", 3, 22499), ("2024-03", 4, 36500)],
    )


def test_revenue_by_month_across_years(query, db):
    db.execute("INSERT INTO orders VALUES (40, NULL, '2023-12-31', 100, 'paid')")
    db.execute("INSERT INTO orders VALUES (41, 1, '2025-01-01', 200, 'paid')")
    db.execute("INSERT INTO orders VALUES (42, 1, '2025-02-01', 200, 'pending')")
    months = [row[0] for row in query("revenue_by_month")[1]]
    assert months == ["2023-12", "2024-01", "2024-02", "2024-03", "2025-01"]


def test_orders_per_country(query):
    assert query("orders_per_country") == (
        ["country", "customer_count", "order_count"],
        [("CH", 1, 0), ("DE", 1, 1), ("FI", 1, 2), ("GB", 2, 3), ("NL", 1, 2), ("US", 4, 3)],
    )
