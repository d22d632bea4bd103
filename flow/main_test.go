package flow

import (
	"testing"

	"github.com/zcnic/zcnic/eal/ealtest"
)

func TestMain(m *testing.M) { ealtest.Main(m, ealtest.Config()) }
