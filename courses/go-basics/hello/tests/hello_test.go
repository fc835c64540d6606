package main

import "testing"

func TestHelloGreetsByName(t *testing.T) {
	if got := Hello("Ada"); got != "Hello, Ada!" {
		t.Errorf(`Hello("Ada") = %q, want "Hello, Ada!"`, got)
	}
}

func TestHelloGreetsTheWorldWithoutAName(t *testing.T) {
	if got := Hello(""); got != "Hello, World!" {
		t.Errorf(`Hello("") = %q, want "Hello, World!"`, got)
	}
}
