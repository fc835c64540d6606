from word_stats import group_by_length, top_words, unique_in_order, word_counts


def test_word_counts_example():
    assert word_counts("The cat saw the other cat.") == {"the": 2, "cat": 2, "saw": 1, "other": 1}


def test_word_counts_strips_punctuation_and_skips_empty_words():
    text = '"Hello," she said. (Hello!) Really?'
    assert word_counts(text) == {"hello": 2, "she": 1, "said": 1, "really": 1}
    assert word_counts("... !!! ?") == {}
    assert word_counts("") == {}


def test_top_words_breaks_ties_alphabetically():
    assert top_words("b a c b a d", 3) == [("a", 2), ("b", 2), ("c", 1)]
    assert top_words("zebra yak zebra yak xerus", 2) == [("yak", 2), ("zebra", 2)]


def test_top_words_most_common_first():
    text = "one two two three three three"
    assert top_words(text, 1) == [("three", 3)]
    assert top_words(text, 10) == [("three", 3), ("two", 2), ("one", 1)]
    assert top_words("", 3) == []


def test_unique_in_order_keeps_first_occurrences():
    assert unique_in_order([3, 1, 3, 2, 1]) == [3, 1, 2]
    assert unique_in_order([9, 8, 7, 7, 8, 9]) == [9, 8, 7]
    assert unique_in_order(["b", "a", "b"]) == ["b", "a"]
    assert unique_in_order([]) == []


def test_unique_in_order_does_not_change_its_input():
    items = [2, 2, 1]
    unique_in_order(items)
    assert items == [2, 2, 1]


def test_group_by_length():
    assert group_by_length(["hi", "yes", "no", "cat"]) == {2: ["hi", "no"], 3: ["yes", "cat"]}
    assert group_by_length([]) == {}
    assert group_by_length(["", "a"]) == {0: [""], 1: ["a"]}
