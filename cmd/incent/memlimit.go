package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// A large close holds the whole quarter in memory, and the garbage
// collector lets the heap grow to twice what is live before it collects.
// On a machine or container with little memory to spare that headroom is
// what runs out first, so incent sets the runtime's soft memory limit to
// three quarters of the memory it may use: the collector then works
// harder near the limit instead of the process being killed. GOMEMLIMIT,
// when set, is left as it is. Results do not depend on it.
func limitMemory() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	meminfo, _ := os.ReadFile("/proc/meminfo")
	var cgroup []byte
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(p); err == nil {
			cgroup = b
			break
		}
	}
	if limit := memoryLimit(meminfo, cgroup); limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}

// memoryLimit is three quarters of the smaller of the machine's memory
// (MemTotal in /proc/meminfo) and the cgroup's limit ("max", or a byte
// count); 0 when neither is known.
func memoryLimit(meminfo, cgroup []byte) int64 {
	var avail uint64
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err == nil && kb < 1<<50 {
			avail = kb * 1024
		}
		break
	}
	// cgroup v1 writes an unlimited limit as a huge number; v2 as "max".
	if n, err := strconv.ParseUint(strings.TrimSpace(string(cgroup)), 10, 64); err == nil && n > 0 && n < 1<<60 {
		if avail == 0 || n < avail {
			avail = n
		}
	}
	return int64(avail / 4 * 3)
}
