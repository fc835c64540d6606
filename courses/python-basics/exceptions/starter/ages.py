"""Lesson: exceptions. Replace each `raise NotImplementedError` with your code."""


class InvalidAgeError(ValueError):
    """An age that is not a number, or not between 0 and 150."""


def parse_age(text):
    """' 42 ' -> 42; raise InvalidAgeError for anything else."""
    raise NotImplementedError


def safe_divide(a, b, default=None):
    """a / b, or default when b is zero."""
    raise NotImplementedError


def parse_ages(texts):
    """([valid ages], ['line N: message', ...])."""
    raise NotImplementedError
