use std::collections::HashMap;

/// How often each word (in lower case) occurs in `text`.
pub fn word_count(text: &str) -> HashMap<String, u32> {
    let _ = text;
    HashMap::new()
}
