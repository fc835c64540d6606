use std::collections::HashMap;

/// How often each word (in lower case) occurs in `text`.
pub fn word_count(text: &str) -> HashMap<String, u32> {
    let mut counts = HashMap::new();
    let words = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|field| field.trim_matches('\''))
        .filter(|word| !word.is_empty());
    for word in words {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}
