use std::io::Read;

fn main() {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).expect("standard input");
    let mut counts: Vec<_> = lesson::word_count(&text).into_iter().collect();
    counts.sort();
    for (word, count) in counts {
        println!("{count} {word}");
    }
}
