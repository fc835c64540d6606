"""Lesson: collections (reference solution)."""

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
    """The n most common (word, count) pairs; ties in alphabetical order."""
    pairs = sorted(word_counts(text).items(), key=lambda pair: (-pair[1], pair[0]))
    return pairs[:n]


def unique_in_order(items):
    """items without duplicates (but in whatever order a set keeps them)."""
    return list(set(items))


def group_by_length(words):
    """{length: [words of that length, in order]}."""
    groups = {}
    for word in words:
        groups.setdefault(len(word), []).append(word)
    return groups
