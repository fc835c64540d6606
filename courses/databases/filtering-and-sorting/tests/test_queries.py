import pytest


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        (
            "US",
            [
                ("Barbara Liskov", "barbara@example.org"),
                ("Grace Hopper", "grace@example.org"),
                ("Ken Thompson", "ken@example.org"),
                ("Margaret Hamilton", "margaret@example.org"),
            ],
        ),
        ("GB", [("Ada Lovelace", "ada@example.org"), ("Alan Turing", "alan@example.org")]),
        ("DE", [("Zoë Müller", "zoe@example.org")]),
        ("XX", []),
    ],
)
def test_customers_in_country(query, country, expected):
    assert query("customers_in_country", country=country) == (["name", "email"], expected)


def test_joined_in_2024(query):
    assert query("joined_in_2024") == (
        ["name", "joined_on"],
        [
            ("Linus Torvalds", "2024-01-15"),
            ("Alan Turing", "2024-03-08"),
            ("Grace Hopper", "2024-03-08"),
            ("Ken Thompson", "2024-06-30"),
            ("Margaret Hamilton", "2024-07-01"),
            ("Zoë Müller", "2024-12-31"),
        ],
    )


@pytest.mark.parametrize(
    ("min_cents", "expected"),
    [
        (10000, [(11, 20000), (12, 15000), (3, 14000), (1, 12000), (4, 10000)]),
        (15000, [(11, 20000), (12, 15000)]),
        (20001, []),
    ],
)
def test_large_paid_orders(query, min_cents, expected):
    assert query("large_paid_orders", min_cents=min_cents) == (["id", "total_cents"], expected)


def test_large_paid_orders_ties_by_id(query, db):
    db.execute("INSERT INTO orders VALUES (20, 8, '2024-04-01', 15000, 'paid')")
    assert query("large_paid_orders", min_cents=15000)[1] == [(11, 20000), (12, 15000), (20, 15000)]


def test_guest_orders(query):
    assert query("guest_orders") == (
        ["id", "placed_on", "total_cents"],
        [(5, "2024-02-03", 2500), (10, "2024-03-05", 700)],
    )


def test_guest_orders_with_other_data(query, db):
    db.execute("INSERT INTO orders VALUES (30, NULL, '2024-01-01', 100, 'refunded')")
    assert [row[0] for row in query("guest_orders")[1]] == [30, 5, 10]
