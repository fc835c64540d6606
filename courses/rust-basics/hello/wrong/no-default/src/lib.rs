/// Greets `name`, or the world when `name` is empty.
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}
