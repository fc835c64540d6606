"""Lesson: functions (reference solution)."""


def greet(name, greeting="Hello"):
    """Return e.g. 'Hello, Ada!'."""
    return f"{greeting}, {name}!"


def clamp(value, low, high):
    """Return value limited to low..high (inclusive)."""
    return max(low, min(value, high))


def apply_twice(func, value):
    """Return func(func(value))."""
    return func(func(value))
