package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"unicode"
)

// WordCount says how often each word (lower case) occurs in text.
func WordCount(text string) map[string]int {
	counts := map[string]int{}
	notInWord := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }
	for _, field := range strings.FieldsFunc(text, notInWord) {
		if word := strings.Trim(field, "'"); word != "" {
			counts[word]++
		}
	}
	return counts
}

func main() {
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	counts := WordCount(string(text))
	for _, word := range slices.Sorted(maps.Keys(counts)) {
		fmt.Println(counts[word], word)
	}
}
