use lesson::greet;

#[test]
fn greets_by_name() {
    assert_eq!(greet("Ada"), "Hello, Ada!");
}

#[test]
fn greets_the_world_without_a_name() {
    assert_eq!(greet(""), "Hello, World!");
}
