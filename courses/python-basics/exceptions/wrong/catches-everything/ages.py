"""Lesson: exceptions (hides every error in safe_divide)."""

MAX_AGE = 150


class InvalidAgeError(ValueError):
    """An age that is not a number, or not between 0 and 150."""


def parse_age(text):
    """' 42 ' -> 42; raise InvalidAgeError for anything else."""
    try:
        age = int(text)
    except ValueError as error:
        raise InvalidAgeError(f"not a number: {text!r}") from error
    if not 0 <= age <= MAX_AGE:
        raise InvalidAgeError(f"out of range: {age}")
    return age


def safe_divide(a, b, default=None):
    """a / b, or default when b is zero."""
    try:
        return a / b
    except Exception:
        return default


def parse_ages(texts):
    """([valid ages], ['line N: message', ...])."""
    ages, errors = [], []
    for number, text in enumerate(texts, start=1):
        try:
            ages.append(parse_age(text))
        except InvalidAgeError as error:
            errors.append(f"line {number}: {error}")
    return ages, errors
