package main

import (
	"fmt"
	"os"
)

// Hello greets name, or the world when name is empty.
func Hello(name string) string {
	return "Hello, " + name + "!"
}

func main() {
	name := ""
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	fmt.Println(Hello(name))
}
