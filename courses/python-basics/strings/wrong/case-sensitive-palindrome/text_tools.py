"""Lesson: strings (forgets that 'R' and 'r' are the same letter)."""


def slugify(title):
    spaced = "".join(ch if ch.isalnum() else " " for ch in title.lower())
    return "-".join(spaced.split())


def is_palindrome(text):
    letters = [ch for ch in text if ch.isalnum()]
    return letters == letters[::-1]


def initials(full_name):
    return "".join(part[0].upper() + "." for part in full_name.split())
