package app_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/zcnic/zcnic/app"
)

func TestSpreadQueues(t *testing.T) {
	q := func(p, n int) app.Queue { return app.Queue{Port: p, Queue: n} }
	for _, c := range []struct {
		name   string
		ports  []int
		rxq    int
		lcores []uint
		want   []app.LcoreConfig
	}{
		{"one queue: ports over lcores", []int{0, 1}, 1, []uint{1, 2},
			[]app.LcoreConfig{{Lcore: 1, Rx: []app.Queue{q(0, 0)}}, {Lcore: 2, Rx: []app.Queue{q(1, 0)}}}},
		{"one queue, one lcore", []int{0, 1}, 1, []uint{1},
			[]app.LcoreConfig{{Lcore: 1, Rx: []app.Queue{q(0, 0), q(1, 0)}}}},
		{"queue i on lcore i", []int{0, 1}, 2, []uint{1, 2},
			[]app.LcoreConfig{{Lcore: 1, Rx: []app.Queue{q(0, 0), q(1, 0)}}, {Lcore: 2, Rx: []app.Queue{q(0, 1), q(1, 1)}}}},
		{"more lcores than queues: the rest get none", []int{0}, 2, []uint{1, 2, 3},
			[]app.LcoreConfig{{Lcore: 1, Rx: []app.Queue{q(0, 0)}}, {Lcore: 2, Rx: []app.Queue{q(0, 1)}}}},
		{"three queues on two lcores", []int{0}, 3, []uint{1, 2},
			[]app.LcoreConfig{{Lcore: 1, Rx: []app.Queue{q(0, 0), q(0, 2)}}, {Lcore: 2, Rx: []app.Queue{q(0, 1)}}}},
		{"a subset of ports", []int{1}, 2, []uint{4, 5},
			[]app.LcoreConfig{{Lcore: 4, Rx: []app.Queue{q(1, 0)}}, {Lcore: 5, Rx: []app.Queue{q(1, 1)}}}},
		{"no queue", []int{0}, 0, []uint{1}, nil},
		{"no lcore", []int{0}, 1, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := app.SpreadQueues(c.ports, c.rxq, c.lcores)
			assert.Equal(t, c.want, got)
			seen := map[app.Queue]bool{}
			for _, l := range got {
				for _, x := range l.Rx {
					assert.False(t, seen[x], "%v has one poller", x)
					seen[x] = true
				}
			}
			if c.rxq > 0 && len(c.lcores) > 0 {
				assert.Len(t, seen, len(c.ports)*c.rxq, "every queue is polled")
			}
		})
	}
}
