package main

import (
	"errors"
	"testing"
)

func TestPopReturnsItemsLastInFirstOut(t *testing.T) {
	var s Stack[int]
	for i := 1; i <= 3; i++ {
		s.Push(i)
	}
	for want := 3; want >= 1; want-- {
		got, err := s.Pop()
		if err != nil || got != want {
			t.Fatalf("Pop() = %d, %v; want %d, nil", got, err, want)
		}
	}
}

func TestLenCountsTheItems(t *testing.T) {
	var s Stack[string]
	if s.Len() != 0 {
		t.Fatalf("a new stack has Len() %d, want 0", s.Len())
	}
	s.Push("a")
	s.Push("b")
	if s.Len() != 2 {
		t.Fatalf("after two pushes Len() = %d, want 2", s.Len())
	}
	s.Pop()
	if s.Len() != 1 {
		t.Fatalf("after a pop Len() = %d, want 1", s.Len())
	}
}

func TestPeekLeavesTheTopItem(t *testing.T) {
	var s Stack[string]
	s.Push("bottom")
	s.Push("top")
	for range 2 {
		if got, err := s.Peek(); err != nil || got != "top" {
			t.Fatalf(`Peek() = %q, %v; want "top", nil`, got, err)
		}
	}
	if s.Len() != 2 {
		t.Fatalf("Peek changed Len() to %d", s.Len())
	}
}

func TestPopOnAnEmptyStackIsErrEmpty(t *testing.T) {
	var s Stack[int]
	got, err := s.Pop()
	if !errors.Is(err, ErrEmpty) || got != 0 {
		t.Fatalf("Pop() on an empty stack = %d, %v; want 0, ErrEmpty", got, err)
	}
}

func TestPeekOnAnEmptyStackIsErrEmpty(t *testing.T) {
	var s Stack[string]
	s.Push("only")
	s.Pop()
	got, err := s.Peek()
	if !errors.Is(err, ErrEmpty) || got != "" {
		t.Fatalf(`Peek() on an emptied stack = %q, %v; want "", ErrEmpty`, got, err)
	}
}
