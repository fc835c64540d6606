/// Greets `name`, or the world when `name` is empty.
pub fn greet(name: &str) -> String {
    let _ = name;
    String::new()
}
