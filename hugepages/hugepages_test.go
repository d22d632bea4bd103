package hugepages

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

const (
	mb2 = 2 << 20
	gb1 = 1 << 30
)

func TestSizes(t *testing.T) {
	f := standardTree(t)
	sizes, err := f.sys().Sizes()
	require.NoError(t, err)
	assert.Equal(t, []PageSize{
		{Size: mb2, Total: 512, Free: 500, Reserved: 10, Surplus: 2, Nodes: []NodeCount{
			{Node: 0, Total: 256, Free: 250, Surplus: 1},
			{Node: 1, Total: 256, Free: 250, Surplus: 1},
		}},
		{Size: gb1, Total: 4, Free: 3, Nodes: []NodeCount{{Node: 0, Total: 4, Free: 3}}},
	}, sizes)
}

func TestSizesSorted(t *testing.T) {
	// Directory order is by name: 1048576kB, 2048kB, 64kB, 65536kB.
	f := newFakeTree(t)
	f.size(65536, 1, 1, 0, 0)
	f.size(64, 2, 2, 0, 0)
	f.size(1048576, 3, 3, 0, 0)
	f.size(2048, 4, 4, 0, 0)
	sizes, err := f.sys().Sizes()
	require.NoError(t, err)
	var got []uint64
	for _, ps := range sizes {
		got = append(got, ps.Size)
	}
	assert.Equal(t, []uint64{64 << 10, mb2, 64 << 20, gb1}, got)
	assert.Equal(t, 2, sizes[0].Total, "counts stay with their size")
	assert.Equal(t, 3, sizes[3].Total, "counts stay with their size")
}

func TestSizesNodes(t *testing.T) {
	t.Run("no node directory", func(t *testing.T) {
		f := standardTree(t)
		f.remove("sys/devices/system/node")
		sizes, err := f.sys().Sizes()
		require.NoError(t, err)
		require.Len(t, sizes, 2)
		assert.Empty(t, sizes[0].Nodes)
		assert.Empty(t, sizes[1].Nodes)
		assert.Equal(t, 512, sizes[0].Total)
	})
	t.Run("node without this size", func(t *testing.T) {
		f := standardTree(t)
		f.write("sys/devices/system/node/node1/cpulist", "1\n") // node1 has no 1GB dir
		sizes, err := f.sys().Sizes()
		require.NoError(t, err)
		assert.Equal(t, []NodeCount{{Node: 0, Total: 4, Free: 3}}, sizes[1].Nodes)
	})
	t.Run("sorted numerically", func(t *testing.T) {
		f := newFakeTree(t)
		f.size(2048, 30, 30, 0, 0)
		for _, n := range []int{10, 2, 0} {
			f.node(n, 2048, n, n, 0)
		}
		sizes, err := f.sys().Sizes()
		require.NoError(t, err)
		assert.Equal(t, []NodeCount{{0, 0, 0, 0}, {2, 2, 2, 0}, {10, 10, 10, 0}}, sizes[0].Nodes)
	})
}

func TestSizesMalformed(t *testing.T) {
	for _, tc := range []struct {
		file, content string
	}{
		{sizeRel(2048) + "/nr_hugepages", "garbage\n"},
		{sizeRel(2048) + "/free_hugepages", ""},
		{sizeRel(1048576) + "/resv_hugepages", "-1\n"},
		{sizeRel(1048576) + "/surplus_hugepages", "99999999999999999999999\n"},
		{nodeRel(1, 2048) + "/free_hugepages", "1.5\n"},
		{nodeRel(0, 1048576) + "/nr_hugepages", "\x00\xff"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := standardTree(t)
			f.write(tc.file, tc.content)
			sizes, err := f.sys().Sizes()
			require.Error(t, err)
			assert.Nil(t, sizes)
			assert.Contains(t, err.Error(), f.path(tc.file))
		})
	}
	t.Run("missing file", func(t *testing.T) {
		f := standardTree(t)
		f.remove(sizeRel(2048) + "/resv_hugepages")
		_, err := f.sys().Sizes()
		require.ErrorIs(t, err, os.ErrNotExist)
		assert.Contains(t, err.Error(), f.path(sizeRel(2048)+"/resv_hugepages"))
	})
	t.Run("bad directory name", func(t *testing.T) {
		f := standardTree(t)
		f.write("sys/kernel/mm/hugepages/hugepages-twokB/nr_hugepages", "0\n")
		_, err := f.sys().Sizes()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "hugepages-twokB")
	})
}

func TestSizesUnsupported(t *testing.T) {
	f := newFakeTree(t)
	f.meminfo(2048)
	_, err := f.sys().Sizes()
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Contains(t, err.Error(), f.path("sys/kernel/mm/hugepages"))
	assert.Contains(t, err.Error(), "CONFIG_HUGETLBFS")
}

func TestDefaultSize(t *testing.T) {
	for _, kb := range []int{2048, 1048576, 64} {
		f := newFakeTree(t)
		f.meminfo(kb)
		got, err := f.sys().DefaultSize()
		require.NoError(t, err)
		assert.Equal(t, uint64(kb)<<10, got)
	}
	t.Run("no Hugepagesize line", func(t *testing.T) {
		f := newFakeTree(t)
		f.write("proc/meminfo", "MemTotal: 1000 kB\nMemFree: 10 kB\n")
		_, err := f.sys().DefaultSize()
		require.ErrorIs(t, err, ErrUnsupported)
		assert.Contains(t, err.Error(), f.path("proc/meminfo"))
	})
	t.Run("garbage", func(t *testing.T) {
		f := newFakeTree(t)
		f.write("proc/meminfo", "Hugepagesize:    lots kB\n")
		_, err := f.sys().DefaultSize()
		require.Error(t, err)
		assert.Contains(t, err.Error(), f.path("proc/meminfo"))
		assert.Contains(t, err.Error(), "lots")
	})
	t.Run("no file", func(t *testing.T) {
		f := newFakeTree(t)
		_, err := f.sys().DefaultSize()
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestMounts(t *testing.T) {
	f := newFakeTree(t)
	f.meminfo(1048576)
	f.mounts(
		"hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0",
		"none /mnt/huge\\040pages hugetlbfs rw,relatime,pagesize=1024M 0 0",
		"nodev /mnt/default hugetlbfs rw,relatime 0 0",
		"nodev /mnt/kb hugetlbfs rw,pagesize=64K,mode=1770 0 0",
		"tmpfs /mnt/tmp tmpfs rw,pagesize=2M 0 0",
		"hugetlbfs /mnt/hugetlbfs-but-ext4 ext4 rw 0 0",
	)
	got, err := f.sys().Mounts()
	require.NoError(t, err)
	assert.Equal(t, []Mount{
		{Dir: "/dev/hugepages", PageSize: mb2, LimitFree: -1},
		{Dir: "/mnt/huge pages", PageSize: gb1, LimitFree: -1},
		{Dir: "/mnt/default", PageSize: gb1, LimitFree: -1}, // from Hugepagesize
		{Dir: "/mnt/kb", PageSize: 64 << 10, LimitFree: -1},
	}, got)
}

func TestMountsNone(t *testing.T) {
	f := newFakeTree(t) // no meminfo: not needed when no mount lacks pagesize=
	f.mounts()
	got, err := f.sys().Mounts()
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestMountsErrors(t *testing.T) {
	for name, line := range map[string]string{
		"bad pagesize": "nodev /mnt/h hugetlbfs rw,pagesize=big 0 0",
		"short line":   "nodev /mnt/h",
		"no default":   "nodev /mnt/h hugetlbfs rw 0 0", // and no proc/meminfo
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeTree(t)
			f.mounts(line)
			_, err := f.sys().Mounts()
			require.Error(t, err)
			if name == "no default" {
				assert.Contains(t, err.Error(), f.path("proc/meminfo"))
			} else {
				assert.Contains(t, err.Error(), f.path("proc/mounts")+":5")
			}
		})
	}
	_, err := newFakeTree(t).sys().Mounts()
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestAvailable(t *testing.T) {
	ready := standardTree(t)
	a, err := ready.sys().Available()
	require.NoError(t, err)
	assert.True(t, a.OK())
	assert.NoError(t, a.Err())
	assert.NoError(t, ready.sys().Check())
	assert.Equal(t, []Usable{{Size: mb2, Free: 490, Dir: "/dev/hugepages", MountFree: -1}}, a.Usable)
	assert.Len(t, a.Sizes, 2)
	assert.Len(t, a.Mounts, 1)
	assert.Equal(t, "2MB: 490 of 512 free at /dev/hugepages; 1GB: 3 of 4 free, not mounted", a.String())

	for _, tc := range []struct {
		name  string
		setup func(f *fakeTree)
		want  []string // substrings of the error
		not   []string // must not be in it
	}{
		{
			name: "no free pages",
			setup: func(f *fakeTree) {
				f.size(2048, 512, 0, 0, 0)
				f.size(1048576, 0, 0, 0, 0)
			},
			want: []string{"no free hugepages (2MB: 0 of 512 free at /dev/hugepages; 1GB: 0 of 0 free, not mounted)",
				"`sudo sh -c 'echo 512 > " + "ROOT/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'`"},
			not: []string{"mount -t"},
		},
		{
			name:  "free pages all reserved",
			setup: func(f *fakeTree) { f.size(2048, 512, 10, 10, 0); f.size(1048576, 0, 0, 0, 0) },
			want:  []string{"no free hugepages (2MB: 0 of 512 free at /dev/hugepages"},
		},
		{
			name: "no free pages, no mount",
			setup: func(f *fakeTree) {
				f.size(2048, 0, 0, 0, 0)
				f.size(1048576, 0, 0, 0, 0)
				f.mounts()
			},
			want: []string{"echo 512 > ROOT/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages && mkdir -p /dev/hugepages && mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages'`"},
		},
		{
			name: "no free pages, only 1GB mounted",
			setup: func(f *fakeTree) {
				f.size(2048, 0, 0, 0, 0)
				f.size(1048576, 0, 0, 0, 0)
				f.mounts("nodev /mnt/huge1g hugetlbfs rw,pagesize=1G 0 0")
			},
			want: []string{"`sudo sh -c 'echo 1 > ROOT/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages'`"},
		},
		{
			name:  "free pages but no mount",
			setup: func(f *fakeTree) { f.mounts() },
			want: []string{"490 free 2MB pages but no hugetlbfs mounted with pagesize=2M: ",
				"`sudo sh -c 'mkdir -p /dev/hugepages && mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages'`"},
		},
		{
			name: "mount of another size only",
			setup: func(f *fakeTree) {
				f.size(1048576, 0, 0, 0, 0)
				f.mounts("nodev /dev/hugepages hugetlbfs rw,pagesize=1G 0 0")
			},
			want: []string{"490 free 2MB pages but no hugetlbfs mounted with pagesize=2M (hugetlbfs is mounted only at /dev/hugepages with 1GB pages)",
				"mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages-2M'`"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := standardTree(t)
			tc.setup(f)
			a, err := f.sys().Available()
			require.NoError(t, err)
			assert.False(t, a.OK())
			assert.Empty(t, a.Usable)
			err = a.Err()
			require.ErrorIs(t, err, ErrNotAvailable)
			assert.Equal(t, err, f.sys().Check())
			msg := err.Error()
			assert.NotContains(t, msg, "\n")
			for _, w := range tc.want {
				assert.Contains(t, msg, strings.ReplaceAll(w, "ROOT", f.root))
			}
			for _, n := range tc.not {
				assert.NotContains(t, msg, n)
			}
		})
	}

	t.Run("unsupported", func(t *testing.T) {
		f := newFakeTree(t)
		f.meminfo(2048)
		f.mounts()
		_, err := f.sys().Available()
		require.ErrorIs(t, err, ErrUnsupported)
		require.ErrorIs(t, f.sys().Check(), ErrUnsupported)
	})
}

func TestReserve(t *testing.T) {
	asUser(t, 0)
	f := standardTree(t)
	require.NoError(t, f.sys().Reserve(mb2, 1000))
	assert.Equal(t, "1000", f.read(sizeRel(2048)+"/nr_hugepages"))
	assert.Equal(t, "4\n", f.read(sizeRel(1048576)+"/nr_hugepages"), "other size untouched")
	require.NoError(t, f.sys().Reserve(gb1, 0))
	assert.Equal(t, "0", f.read(sizeRel(1048576)+"/nr_hugepages"))
}

func TestReserveNotRoot(t *testing.T) {
	asUser(t, 1000)
	f := standardTree(t)
	err := f.sys().Reserve(mb2, 512)
	require.Error(t, err)
	assert.Equal(t, "hugepages: reserving 2MB pages needs root: run as root or `sudo sh -c 'echo 512 > "+
		f.path(sizeRel(2048))+"/nr_hugepages'`", err.Error())
	assert.Equal(t, "512\n", f.read(sizeRel(2048)+"/nr_hugepages"), "file untouched")
}

func TestReserveErrors(t *testing.T) {
	asUser(t, 0)
	t.Run("missing size", func(t *testing.T) {
		f := standardTree(t)
		err := f.sys().Reserve(4<<20, 1)
		require.Error(t, err)
		assert.Equal(t, "hugepages: no 4MB page size on this machine: it has 2MB, 1GB", err.Error())
		_, statErr := os.Stat(f.path(sizeRel(4096)))
		assert.ErrorIs(t, statErr, os.ErrNotExist, "must not create a size dir")
	})
	t.Run("negative", func(t *testing.T) {
		f := standardTree(t)
		err := f.sys().Reserve(mb2, -1)
		require.ErrorContains(t, err, "-1 x 2MB")
		assert.ErrorContains(t, err, "must not be negative")
		assert.Equal(t, "512\n", f.read(sizeRel(2048)+"/nr_hugepages"))
	})
	t.Run("unsupported", func(t *testing.T) {
		err := newFakeTree(t).sys().Reserve(mb2, 1)
		require.ErrorIs(t, err, ErrUnsupported)
	})
	t.Run("kernel gives fewer", func(t *testing.T) {
		f := standardTree(t)
		kernelWrites(t, func(string, string) string { return "1234\n" })
		err := f.sys().Reserve(mb2, 20000)
		require.Error(t, err)
		assert.Equal(t, "hugepages: asked for 20000 x 2MB pages, the kernel reserved only 1234 (nr_hugepages is now 1234): "+
			"not enough free contiguous memory; ask for fewer or free memory", err.Error())
	})
	t.Run("pages in use", func(t *testing.T) {
		f := standardTree(t)
		kernelWrites(t, func(string, string) string { return "10\n" })
		err := f.sys().Reserve(mb2, 0)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "asked for 0 x 2MB pages, but 10 stay reserved because they are in use")
	})
	t.Run("garbage read back", func(t *testing.T) {
		f := standardTree(t)
		kernelWrites(t, func(string, string) string { return "garbage" })
		err := f.sys().Reserve(mb2, 5)
		require.Error(t, err)
		assert.Contains(t, err.Error(), f.path(sizeRel(2048)+"/nr_hugepages"))
	})
	t.Run("write fails", func(t *testing.T) {
		f := standardTree(t)
		old := writeFile
		t.Cleanup(func() { writeFile = old })
		writeFile = func(p string, _ []byte) error { return &os.PathError{Op: "write", Path: p, Err: syscall.EINVAL} }
		err := f.sys().Reserve(gb1, 5)
		require.ErrorIs(t, err, syscall.EINVAL)
		assert.Contains(t, err.Error(), "reserving 5 x 1GB pages")
		assert.Contains(t, err.Error(), f.path(sizeRel(1048576)+"/nr_hugepages"))
	})
	t.Run("real writeFile does not create", func(t *testing.T) {
		f := standardTree(t)
		f.remove(sizeRel(2048) + "/nr_hugepages")
		err := writeFile(f.path(sizeRel(2048)+"/nr_hugepages"), []byte("1"))
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestMountFake(t *testing.T) {
	t.Run("not root", func(t *testing.T) {
		asUser(t, 1000)
		f := standardTree(t)
		dir := filepath.Join(t.TempDir(), "huge")
		err := f.sys().Mount(dir, gb1)
		require.Error(t, err)
		assert.Equal(t, "hugepages: mounting hugetlbfs on "+dir+" needs root: run as root or `sudo sh -c 'mkdir -p "+
			dir+" && mount -t hugetlbfs -o pagesize=1G nodev "+dir+"'`", err.Error())
		assert.NoDirExists(t, dir)
	})
	t.Run("already mounted", func(t *testing.T) {
		asUser(t, 1000) // a no-op needs no root
		f := standardTree(t)
		assert.NoError(t, f.sys().Mount("/dev/hugepages", mb2))
		assert.NoError(t, f.sys().Mount("/dev/../dev/hugepages/", mb2))
	})
	t.Run("mounted with another size", func(t *testing.T) {
		asUser(t, 0)
		f := standardTree(t)
		err := f.sys().Mount("/dev/hugepages", gb1)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "/dev/hugepages already has a hugetlbfs mount with 2MB pages: unmount it first")
	})
	t.Run("last mount wins", func(t *testing.T) {
		asUser(t, 1000)
		f := standardTree(t)
		f.mounts("nodev /mnt/h hugetlbfs rw,pagesize=1G 0 0", "nodev /mnt/h hugetlbfs rw,pagesize=2M 0 0")
		assert.NoError(t, f.sys().Mount("/mnt/h", mb2))
	})
	t.Run("dir is a file", func(t *testing.T) {
		asUser(t, 0)
		f := standardTree(t)
		file := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(file, nil, 0o644))
		err := f.sys().Mount(file, mb2)
		require.Error(t, err)
		assert.Contains(t, err.Error(), file+": it is a file, not a directory")
	})
	t.Run("parent is a file", func(t *testing.T) {
		asUser(t, 0)
		f := standardTree(t)
		file := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(file, nil, 0o644))
		err := f.sys().Mount(filepath.Join(file, "huge"), mb2)
		require.ErrorIs(t, err, syscall.ENOTDIR)
		assert.Contains(t, err.Error(), file)
		assert.Contains(t, err.Error(), syscall.ENOTDIR.Error())
	})
	t.Run("missing size", func(t *testing.T) {
		asUser(t, 0)
		f := standardTree(t)
		err := f.sys().Mount(t.TempDir(), 16<<30)
		require.Error(t, err)
		assert.Equal(t, "hugepages: no 16GB page size on this machine: it has 2MB, 1GB", err.Error())
	})
	t.Run("mount fails", func(t *testing.T) {
		// The fake tree claims 3MB pages, which no kernel has: the real
		// mount(2) fails with EINVAL as root, and with EPERM otherwise.
		asUser(t, 0)
		f := standardTree(t)
		f.size(3072, 1, 1, 0, 0)
		dir := filepath.Join(t.TempDir(), "huge")
		err := f.sys().Mount(dir, 3<<20)
		if err == nil {
			_ = unix.Unmount(dir, 0)
		}
		require.Error(t, err)
		var errno syscall.Errno
		require.True(t, errors.As(err, &errno), "want an errno in %v", err)
		assert.Contains(t, err.Error(), "mount -t hugetlbfs -o pagesize=3M nodev "+dir+": "+errno.Error())
	})
}

func TestFormatSize(t *testing.T) {
	for _, tc := range []struct {
		in        uint64
		want, opt string
	}{
		{2 << 20, "2MB", "2M"},
		{1 << 30, "1GB", "1G"},
		{16 << 30, "16GB", "16G"},
		{64 << 10, "64kB", "64K"},
		{512 << 20, "512MB", "512M"},
		{1536 << 20, "1536MB", "1536M"},
		{3 << 10, "3kB", "3K"},
		{100, "100B", "100"},
		{0, "0B", "0"},
	} {
		assert.Equal(t, tc.want, FormatSize(tc.in), "FormatSize(%d)", tc.in)
		assert.Equal(t, tc.opt, optSize(tc.in), "optSize(%d)", tc.in)
		if tc.in != 0 {
			back, err := ParseSize(tc.want)
			require.NoError(t, err)
			assert.Equal(t, tc.in, back, "round trip of %s", tc.want)
			back, err = ParseSize(tc.opt)
			require.NoError(t, err)
			assert.Equal(t, tc.in, back, "round trip of %s", tc.opt)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{
		"2M": mb2, "2MB": mb2, "2mb": mb2, "2MiB": mb2, "2048kB": mb2, "2048K": mb2, "2048 kB": mb2,
		" 2M ": mb2, "2097152": mb2, "2097152B": mb2,
		"1G": gb1, "1GB": gb1, "1gib": gb1, "1024M": gb1, "1048576kB": gb1,
		"16G": 16 << 30, "64K": 64 << 10, "1": 1,
	} {
		got, err := ParseSize(in)
		if assert.NoError(t, err, "ParseSize(%q)", in) {
			assert.Equal(t, want, got, "ParseSize(%q)", in)
		}
	}
	for in, want := range map[string]string{
		"":                     "want a number",
		"M":                    "want a number",
		"-2M":                  "want a number",
		"2.5M":                 "unknown unit",
		"2T":                   "unknown unit",
		"2 megabytes":          "unknown unit",
		"0":                    "must be positive",
		"0M":                   "must be positive",
		"99999999999999999999": "out of range",
		"17179869184G":         "too large",
	} {
		got, err := ParseSize(in)
		if assert.Error(t, err, "ParseSize(%q) = %d", in, got) {
			assert.Contains(t, err.Error(), want, "ParseSize(%q)", in)
			assert.Contains(t, err.Error(), strconv.Quote(in), "ParseSize(%q) names its input", in)
		}
	}
}

// A hugetlbfs mount's size= option limits what can be mapped through it:
// Mounts reads it, a mount over another at the same place hides it, and
// Available and its String say how many pages the limit still allows.
func TestMountSizeLimit(t *testing.T) {
	f := newFakeTree(t)
	f.meminfo(2048)
	f.size(2048, 512, 512, 0, 0)
	f.mounts(
		"nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0",
		"nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M,size=8388608 0 0",
		"nodev /mnt/big hugetlbfs rw,relatime,pagesize=2M,size=4G 0 0",
	)
	got, err := f.sys().Mounts()
	require.NoError(t, err)
	assert.Equal(t, []Mount{
		{Dir: "/dev/hugepages", PageSize: mb2, Limit: 8 << 20, LimitFree: 4},
		{Dir: "/mnt/big", PageSize: mb2, Limit: 4 << 30, LimitFree: 2048},
	}, got)
	a, err := f.sys().Available()
	require.NoError(t, err)
	require.Len(t, a.Usable, 1)
	assert.Equal(t, Usable{Size: mb2, Free: 512, Dir: "/dev/hugepages", MountFree: 4}, a.Usable[0])
	assert.Equal(t, 4, a.Usable[0].Mapped())
	assert.Equal(t, "2MB: 512 of 512 free at /dev/hugepages (its size=8MB lets 4 more be mapped through it, by runs with shared files: --file-prefix)", a.String())

	f.mounts("nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0")
	a, err = f.sys().Available()
	require.NoError(t, err)
	assert.Equal(t, -1, a.Usable[0].MountFree, "no size=: no limit")
	assert.Equal(t, 512, a.Usable[0].Mapped())
	assert.Equal(t, "2MB: 512 of 512 free at /dev/hugepages", a.String())

	f.mounts("nodev /dev/hugepages hugetlbfs rw,pagesize=2M,size=big 0 0")
	_, err = f.sys().Mounts()
	assert.ErrorContains(t, err, `bad size option "size=big"`)
}
