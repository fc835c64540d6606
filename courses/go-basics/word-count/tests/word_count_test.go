package main

import (
	"maps"
	"testing"
)

func expectCounts(t *testing.T, text string, want map[string]int) {
	t.Helper()
	got := WordCount(text)
	if got == nil || !maps.Equal(got, want) {
		t.Errorf("WordCount(%q) = %v, want %v", text, got, want)
	}
}

func TestCountsEachWord(t *testing.T) {
	expectCounts(t, "one fish two fish", map[string]int{"one": 1, "fish": 2, "two": 1})
}

func TestIgnoresPunctuation(t *testing.T) {
	expectCounts(t, "The cat, the hat. The end!", map[string]int{"the": 3, "cat": 1, "hat": 1, "end": 1})
}

func TestIsCaseInsensitive(t *testing.T) {
	expectCounts(t, "Go GO go", map[string]int{"go": 3})
}

func TestKeepsApostrophesInsideWords(t *testing.T) {
	expectCounts(t, "don't 'stop' can't", map[string]int{"don't": 1, "stop": 1, "can't": 1})
}

func TestCountsNumbers(t *testing.T) {
	expectCounts(t, "1 2 2 3 3 3", map[string]int{"1": 1, "2": 2, "3": 3})
}

func TestTextWithoutWordsGivesAnEmptyMap(t *testing.T) {
	expectCounts(t, " ,.! ", map[string]int{})
}
