"""Lesson: files (read_scores keeps the scores as text)."""

HEADER = "name,score"


def count_words(path):
    """How many whitespace-separated words the file holds."""
    with open(path, encoding="utf-8") as file:
        return len(file.read().split())


def write_scores(path, scores):
    """Write `name,score` CSV: header, then highest score first, ties by name."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    with open(path, "w", encoding="utf-8") as file:
        file.write(HEADER + "\n")
        for name, score in ordered:
            file.write(f"{name},{score}\n")


def read_scores(path):
    """Read a file written by write_scores back into {name: int score}."""
    scores = {}
    with open(path, encoding="utf-8") as file:
        lines = file.read().splitlines()
    for line in lines[1:]:
        if line.strip():
            name, score = line.split(",")
            scores[name] = score
    return scores


def append_line(path, text):
    """Add text and a newline at the end of the file (create it if missing)."""
    with open(path, "a", encoding="utf-8") as file:
        file.write(text + "\n")
