package hugepages_test

import (
	"fmt"

	"github.com/zcnic/zcnic/hugepages"
)

// Example shows the check an application makes before starting DPDK.
func Example() {
	a, err := hugepages.Available()
	if err == nil {
		err = a.Err()
	}
	if err != nil {
		fmt.Println(err) // e.g. "hugepages: not available: no free hugepages (...): run `sudo sh -c '...'`"
		return
	}
	for _, u := range a.Usable {
		fmt.Printf("%d free %s pages at %s\n", u.Free, hugepages.FormatSize(u.Size), u.Dir)
	}
}

func ExampleSystem_Reserve() {
	size, err := hugepages.ParseSize("2M")
	if err != nil {
		panic(err)
	}
	if err := hugepages.Default.Reserve(size, 512); err != nil {
		fmt.Println(err)
	}
	if err := hugepages.Default.Mount("/dev/hugepages", size); err != nil {
		fmt.Println(err)
	}
}

func ExampleParseSize() {
	for _, s := range []string{"2M", "2048kB", "1GB", "1G"} {
		n, _ := hugepages.ParseSize(s)
		fmt.Println(s, n, hugepages.FormatSize(n))
	}
	// Output:
	// 2M 2097152 2MB
	// 2048kB 2097152 2MB
	// 1GB 1073741824 1GB
	// 1G 1073741824 1GB
}
