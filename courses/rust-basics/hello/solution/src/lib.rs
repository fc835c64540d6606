/// Greets `name`, or the world when `name` is empty.
pub fn greet(name: &str) -> String {
    let who = if name.is_empty() { "World" } else { name };
    format!("Hello, {who}!")
}
