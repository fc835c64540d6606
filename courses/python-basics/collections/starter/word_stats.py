"""Lesson: collections. Replace each `raise NotImplementedError` with your code."""

PUNCTUATION = ".,;:!?\"'()"


def word_counts(text):
    """{'word': count, ...} — lower case, punctuation stripped from both ends."""
    raise NotImplementedError


def top_words(text, n):
    """The n most common (word, count) pairs; ties in alphabetical order."""
    raise NotImplementedError


def unique_in_order(items):
    """items without duplicates, first occurrences kept in order."""
    raise NotImplementedError


def group_by_length(words):
    """{length: [words of that length, in order]}."""
    raise NotImplementedError
