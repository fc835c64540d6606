"""Lesson: strings (reference solution)."""


def slugify(title):
    """'Hello, World!' -> 'hello-world'."""
    spaced = "".join(ch if ch.isalnum() else " " for ch in title.lower())
    return "-".join(spaced.split())


def is_palindrome(text):
    """True when text reads the same both ways, ignoring case and non-alphanumerics."""
    letters = [ch for ch in text.lower() if ch.isalnum()]
    return letters == letters[::-1]


def initials(full_name):
    """'grace brewster hopper' -> 'G.B.H.'."""
    return "".join(part[0].upper() + "." for part in full_name.split())
