"""Lesson: collections (ties come out in order of first appearance)."""

from collections import Counter

PUNCTUATION = ".,;:!?\"'()"


def word_counts(text):
    """{'word': count, ...} — lower case, punctuation stripped from both ends."""
    counts = {}
    for raw in text.split():
        word = raw.strip(PUNCTUATION).lower()
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(text, n):
    return Counter(word_counts(text)).most_common(n)


def unique_in_order(items):
    """items without duplicates, first occurrences kept in order."""
    seen = set()
    result = []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


def group_by_length(words):
    """{length: [words of that length, in order]}."""
    groups = {}
    for word in words:
        groups.setdefault(len(word), []).append(word)
    return groups
