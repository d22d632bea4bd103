package hugepages

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FormatSize formats a page size in the largest binary unit that divides
// it exactly: "2MB", "1GB", "64kB", "512B".
func FormatSize(bytes uint64) string {
	switch {
	case bytes == 0:
		return "0B"
	case bytes%(1<<30) == 0:
		return strconv.FormatUint(bytes>>30, 10) + "GB"
	case bytes%(1<<20) == 0:
		return strconv.FormatUint(bytes>>20, 10) + "MB"
	case bytes%(1<<10) == 0:
		return strconv.FormatUint(bytes>>10, 10) + "kB"
	}
	return strconv.FormatUint(bytes, 10) + "B"
}

// optSize formats a size the way the kernel's pagesize= mount option
// spells it: "2M", "1G", "64K".
func optSize(bytes uint64) string {
	s := FormatSize(bytes)
	if k, ok := strings.CutSuffix(s, "kB"); ok {
		return k + "K"
	}
	return strings.TrimSuffix(s, "B")
}

// ParseSize parses a page size such as "2M", "2MB", "2048kB", "1G", "1GiB"
// or "2097152". Units are binary (1K = 1024) and case-insensitive; a bare
// number is bytes. The size must be positive.
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("hugepages: bad size %q: want a number with an optional unit, like 2M or 1GB", s)
	}
	n, err := strconv.ParseUint(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("hugepages: bad size %q: number out of range", s)
	}
	var shift uint
	switch strings.ToUpper(strings.TrimSpace(t[i:])) {
	case "", "B":
	case "K", "KB", "KIB":
		shift = 10
	case "M", "MB", "MIB":
		shift = 20
	case "G", "GB", "GIB":
		shift = 30
	default:
		return 0, fmt.Errorf("hugepages: bad size %q: unknown unit %q, want K, M or G", s, t[i:])
	}
	if n == 0 {
		return 0, fmt.Errorf("hugepages: bad size %q: must be positive", s)
	}
	if n > math.MaxUint64>>shift {
		return 0, fmt.Errorf("hugepages: bad size %q: too large", s)
	}
	return n << shift, nil
}
