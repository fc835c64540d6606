use std::collections::HashMap;

use lesson::word_count;

fn counts(pairs: &[(&str, u32)]) -> HashMap<String, u32> {
    pairs.iter().map(|&(word, count)| (word.to_string(), count)).collect()
}

#[test]
fn counts_each_word() {
    assert_eq!(word_count("one fish two fish"), counts(&[("one", 1), ("fish", 2), ("two", 1)]));
}

#[test]
fn ignores_punctuation() {
    let expected = counts(&[("the", 3), ("cat", 1), ("hat", 1), ("end", 1)]);
    assert_eq!(word_count("The cat, the hat. The end!"), expected);
}

#[test]
fn is_case_insensitive() {
    assert_eq!(word_count("Rust RUST rust"), counts(&[("rust", 3)]));
}

#[test]
fn keeps_apostrophes_inside_words() {
    assert_eq!(word_count("don't 'stop' can't"), counts(&[("don't", 1), ("stop", 1), ("can't", 1)]));
}

#[test]
fn text_without_words_is_empty() {
    assert_eq!(word_count(" ,.! "), counts(&[]));
}
