package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
)

// WordCount says how often each word (lower case) occurs in text.
func WordCount(text string) map[string]int {
	return nil
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
