package app

import (
	"fmt"
	"os"
	"testing"

	"github.com/zcnic/zcnic/eal"
	"github.com/zcnic/zcnic/internal/ealtest"
)

func TestMain(m *testing.M) {
	if err := ealtest.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := eal.Cleanup(); err != nil {
		fmt.Fprintln(os.Stderr, "eal.Cleanup:", err)
		code = 1
	}
	os.Exit(code)
}
