package main

import "testing"

func TestMemoryLimit(t *testing.T) {
	const meminfo = "MemTotal:        8000000 kB\nMemFree:         1000000 kB\n"
	for _, tc := range []struct {
		name            string
		meminfo, cgroup string
		want            int64
	}{
		{"machine only", meminfo, "", 6_144_000_000},
		{"cgroup v2 unlimited", meminfo, "max\n", 6_144_000_000},
		{"cgroup v1 unlimited", meminfo, "9223372036854771712\n", 6_144_000_000},
		{"cgroup below the machine", meminfo, "2147483648\n", 1_610_612_736},
		{"cgroup above the machine", meminfo, "17179869184\n", 6_144_000_000},
		{"cgroup only", "", "4000000000", 3_000_000_000},
		{"nothing known", "", "", 0},
		{"unreadable meminfo", "MemTotal: lots\n", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := memoryLimit([]byte(tc.meminfo), []byte(tc.cgroup)); got != tc.want {
				t.Errorf("memoryLimit = %d, want %d", got, tc.want)
			}
		})
	}
}
