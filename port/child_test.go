package port_test

import "fmt"

// runChild runs a peer role for a two-process test.
func runChild(role string) int {
	fmt.Println("unknown child role", role)
	return 1
}
