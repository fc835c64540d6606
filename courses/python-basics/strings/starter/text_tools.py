"""Lesson: strings. Replace each `raise NotImplementedError` with your code."""


def slugify(title):
    """'Hello, World!' -> 'hello-world'."""
    raise NotImplementedError


def is_palindrome(text):
    """True when text reads the same both ways, ignoring case and non-alphanumerics."""
    raise NotImplementedError


def initials(full_name):
    """'grace brewster hopper' -> 'G.B.H.'."""
    raise NotImplementedError
