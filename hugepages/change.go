package hugepages

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// writeFile writes a sysfs attribute; tests replace it to play the kernel.
var writeFile = func(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Reserve sets the pool of size-byte pages to count pages by writing its
// nr_hugepages file, then reads the file back. It needs root.
//
// When the kernel finds too little free contiguous memory it reserves
// fewer pages than asked; Reserve then returns an error saying how many
// pages it got, and leaves those reserved. Shrinking the pool below the
// pages in use is an error too, until the programs using them release them.
func (s System) Reserve(size uint64, count int) error {
	name := FormatSize(size)
	if count < 0 {
		return fmt.Errorf("hugepages: cannot reserve %d x %s pages: the count must not be negative", count, name)
	}
	if _, err := s.find(size); err != nil {
		return err
	}
	path := filepath.Join(s.path(sysHugepages), sizeDir(size), "nr_hugepages")
	if geteuid() != 0 {
		return fmt.Errorf("hugepages: reserving %s pages needs root: run as root or `sudo sh -c 'echo %d > %s'`", name, count, path)
	}
	if err := writeFile(path, []byte(strconv.Itoa(count))); err != nil {
		return fmt.Errorf("hugepages: reserving %d x %s pages: %w", count, name, err)
	}
	got, err := readInt(path)
	switch {
	case err != nil:
		return err
	case got < count:
		return fmt.Errorf("hugepages: asked for %d x %s pages, the kernel reserved only %d (nr_hugepages is now %d): not enough free contiguous memory; ask for fewer or free memory", count, name, got, got)
	case got > count:
		return fmt.Errorf("hugepages: asked for %d x %s pages, but %d stay reserved because they are in use: stop the programs using them, then retry", count, name, got)
	}
	return nil
}

// Mount mounts a hugetlbfs with size-byte pages on dir, creating dir if
// needed, like "mkdir -p dir && mount -t hugetlbfs -o pagesize=2M nodev dir".
// It does nothing if such a mount is already at dir, and fails if a
// hugetlbfs of another size is. dir is a real path: System.Root only
// changes where the page sizes and mounts are read from. It needs root.
func (s System) Mount(dir string, size uint64) error {
	if _, err := s.find(size); err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("hugepages: mount point %s: %w", dir, err)
	}
	mounts, err := s.Mounts()
	if err != nil {
		return err
	}
	real := abs
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		real = r
	}
	var found *Mount
	for i, m := range mounts { // the last mount on a directory hides the others
		if m.Dir == abs || m.Dir == real {
			found = &mounts[i]
		}
	}
	if found != nil && found.PageSize == size {
		return nil
	}
	if found != nil {
		return fmt.Errorf("hugepages: %s already has a hugetlbfs mount with %s pages: unmount it first with `sudo umount %s`, or use another directory", abs, FormatSize(found.PageSize), abs)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return fmt.Errorf("hugepages: cannot mount hugetlbfs on %s: it is a file, not a directory; remove it or use another directory", abs)
	}
	if geteuid() != 0 {
		return fmt.Errorf("hugepages: mounting hugetlbfs on %s needs root: run as root or `sudo sh -c '%s'`", abs, mountCmd(abs, size))
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("hugepages: creating mount point: %w", err)
	}
	if err := unix.Mount("nodev", abs, "hugetlbfs", 0, "pagesize="+optSize(size)); err != nil {
		return fmt.Errorf("hugepages: mount -t hugetlbfs -o pagesize=%s nodev %s: %w", optSize(size), abs, err)
	}
	return nil
}

func mountCmd(dir string, size uint64) string {
	return fmt.Sprintf("mkdir -p %s && mount -t hugetlbfs -o pagesize=%s nodev %s", dir, optSize(size), dir)
}
