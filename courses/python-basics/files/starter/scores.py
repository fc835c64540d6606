"""Lesson: files. Replace each `raise NotImplementedError` with your code."""


def count_words(path):
    """How many whitespace-separated words the file holds."""
    raise NotImplementedError


def write_scores(path, scores):
    """Write `name,score` CSV: header, then highest score first, ties by name."""
    raise NotImplementedError


def read_scores(path):
    """Read a file written by write_scores back into {name: int score}."""
    raise NotImplementedError


def append_line(path, text):
    """Add text and a newline at the end of the file (create it if missing)."""
    raise NotImplementedError
