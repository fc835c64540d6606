import pytest

from functions import apply_twice, clamp, greet


def test_greet_uses_hello_by_default():
    assert greet("Ada") == "Hello, Ada!"


def test_greet_with_another_greeting():
    assert greet("Linus", "Hi") == "Hi, Linus!"
    assert greet("Grace", greeting="Good morning") == "Good morning, Grace!"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), (-3, 0), (42, 10), (0, 0), (10, 10)],
)
def test_clamp_ints(value, expected):
    assert clamp(value, 0, 10) == expected


def test_clamp_floats():
    assert clamp(1.5, 0.0, 1.0) == 1.0
    assert clamp(-0.5, 0.0, 1.0) == 0.0
    assert clamp(0.25, 0.0, 1.0) == 0.25


def test_apply_twice():
    assert apply_twice(lambda x: x * 3, 2) == 18
    assert apply_twice(str.upper, "hey") == "HEY"
    assert apply_twice(lambda s: s + "!", "wow") == "wow!!"


def test_apply_twice_calls_exactly_twice():
    calls = []

    def record(x):
        calls.append(x)
        return x + 1

    assert apply_twice(record, 0) == 2
    assert calls == [0, 1]
