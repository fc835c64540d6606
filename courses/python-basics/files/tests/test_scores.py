from scores import append_line, count_words, read_scores, write_scores

EXPECTED_CSV = "name,score\nada,10\ngrace,10\nlinus,7\n"


def test_count_words(tmp_path):
    path = tmp_path / "poem.txt"
    path.write_text("The quick brown fox\n\njumps over\tthe lazy dog\n", encoding="utf-8")
    assert count_words(path) == 9
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert count_words(empty) == 0


def test_write_scores_exact_contents(tmp_path):
    path = tmp_path / "scores.csv"
    write_scores(path, {"linus": 7, "grace": 10, "ada": 10})
    assert path.read_text(encoding="utf-8") == EXPECTED_CSV


def test_write_scores_replaces_the_file(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("old contents\n", encoding="utf-8")
    write_scores(path, {"ada": 1})
    write_scores(path, {"linus": 7, "grace": 10, "ada": 10})
    assert path.read_text(encoding="utf-8") == EXPECTED_CSV


def test_read_scores(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("name,score\nada,10\n\nlinus,7\n", encoding="utf-8")
    assert read_scores(path) == {"ada": 10, "linus": 7}


def test_round_trip_with_any_names(tmp_path):
    path = tmp_path / "scores.csv"
    scores = {"zoë": 3, "björk": 12, "李": 5, "o'brien": 0}
    write_scores(path, scores)
    assert read_scores(path) == scores
    assert path.read_bytes().decode("utf-8").splitlines()[1] == "björk,12"


def test_append_line_creates_then_appends(tmp_path):
    path = tmp_path / "log.txt"
    append_line(path, "first")
    append_line(path, "second")
    assert path.read_text(encoding="utf-8") == "first\nsecond\n"
