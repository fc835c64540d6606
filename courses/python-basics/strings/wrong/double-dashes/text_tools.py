"""Lesson: strings (one dash per punctuation character, not per run)."""


def slugify(title):
    dashed = "".join(ch if ch.isalnum() else "-" for ch in title.lower())
    return dashed.strip("-")


def is_palindrome(text):
    letters = [ch for ch in text.lower() if ch.isalnum()]
    return letters == letters[::-1]


def initials(full_name):
    return "".join(part[0].upper() + "." for part in full_name.split())
