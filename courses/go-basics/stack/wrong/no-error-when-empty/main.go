package main

import (
	"errors"
	"fmt"
)

// ErrEmpty is what Pop and Peek return on an empty stack.
var ErrEmpty = errors.New("stack is empty")

// Stack is a last-in, first-out stack; its zero value is empty.
type Stack[T any] struct {
	items []T
}

// Push puts item on top.
func (s *Stack[T]) Push(item T) { s.items = append(s.items, item) }

// Pop removes the top item and returns it, or ErrEmpty.
func (s *Stack[T]) Pop() (T, error) {
	top, err := s.Peek()
	if len(s.items) > 0 {
		s.items = s.items[:len(s.items)-1]
	}
	return top, err
}

// Peek returns the top item without removing it, or ErrEmpty.
func (s *Stack[T]) Peek() (T, error) {
	var zero T
	if len(s.items) == 0 {
		return zero, nil
	}
	return s.items[len(s.items)-1], nil
}

// Len is the number of items.
func (s *Stack[T]) Len() int { return len(s.items) }

func main() {
	var s Stack[string]
	for _, word := range []string{"first", "second", "third"} {
		s.Push(word)
	}
	for s.Len() > 0 {
		word, _ := s.Pop()
		fmt.Println(word)
	}
	if _, err := s.Pop(); errors.Is(err, ErrEmpty) {
		fmt.Println("empty:", err)
	}
}
