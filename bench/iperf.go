package bench

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ParseIperf3 returns the TCP throughput, in Gbit/s, that the receiver
// saw in an `iperf3 -J` client report (end.sum_received; the omitted
// first seconds of -O are not in it).
func ParseIperf3(data []byte) (float64, error) {
	var r struct {
		Error string `json:"error"`
		End   struct {
			SumReceived *struct {
				Seconds       float64 `json:"seconds"`
				Bytes         uint64  `json:"bytes"`
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return 0, fmt.Errorf("iperf3 -J output: %w", err)
	}
	if r.Error != "" {
		return 0, fmt.Errorf("iperf3: %s", r.Error)
	}
	s := r.End.SumReceived
	if s == nil || s.Seconds <= 0 {
		return 0, errors.New("iperf3: no end.sum_received in its report")
	}
	if s.Bytes == 0 {
		return 0, errors.New("iperf3: the receiver got nothing")
	}
	return s.BitsPerSecond / 1e9, nil
}
