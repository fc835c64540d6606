import pytest

from text_tools import initials, is_palindrome, slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("  Python 3.11 -- What's new?  ", "python-3-11-what-s-new"),
        ("already-a-slug", "already-a-slug"),
        ("Café au lait", "café-au-lait"),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize(
    "text",
    ["A man, a plan, a canal: Panama", "Racecar", "No 'x' in Nixon", "12321", "", "?!"],
)
def test_palindromes(text):
    assert is_palindrome(text) is True


@pytest.mark.parametrize("text", ["Python", "ab", "Palindrome? No."])
def test_not_palindromes(text):
    assert is_palindrome(text) is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("grace brewster hopper", "G.B.H."),
        ("  Ada   Lovelace ", "A.L."),
        ("linus", "L."),
        ("", ""),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected
