package localstack

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	cases := []struct {
		in      string
		want    procStat
		wantErr bool
	}{
		{in: "123 (etcd) S 1 123 123 0 -1", want: procStat{state: 'S', ppid: 1, pgid: 123}},
		{in: "7 (a b) (c)) R 5 9 9 0", want: procStat{state: 'R', ppid: 5, pgid: 9}},
		{in: "8 (zombie) Z 5 8 8", want: procStat{state: 'Z', ppid: 5, pgid: 8}},
		{in: "garbage", wantErr: true},
		{in: "1 (x) S notanumber 1", wantErr: true},
	}
	for _, tc := range cases {
		got, err := parseProcStat(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseProcStat(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestPidRecordRoundTrip(t *testing.T) {
	procs := []Process{{PID: 10, Exe: "/cache/etcd-v3", Name: "etcd-v3"}, {PID: 11, Exe: "/cache/kube apiserver", Name: "kube apiserver"}}
	got := parsePidRecord(append(pidRecord(procs), []byte("junk\n1 /sbin/init\n")...))
	if len(got) != 2 || got[0] != procs[0] || got[1] != procs[1] {
		t.Fatalf("got %+v", got)
	}
}

// A run killed with SIGKILL leaves its children; the next run stops the recorded groups,
// and only those that still run the recorded executable.
func TestStopLeftovers(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(sleep, "300")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	leftover, bystander := start(), start()
	exe, err := os.Readlink("/proc/" + strconv.Itoa(leftover.Process.Pid) + "/exe")
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { _ = leftover.Wait(); close(waited) }()

	record := t.TempDir() + "/stack.pids"
	// The bystander is recorded with another executable: a recycled pid must not be touched.
	data := pidRecord([]Process{{PID: leftover.Process.Pid, Exe: exe}, {PID: bystander.Process.Pid, Exe: "/not/this/one"}})
	if err := os.WriteFile(record, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := stopLeftovers(record, t.Logf); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("the recorded leftover still runs")
	}
	if !Alive(bystander.Process.Pid) {
		t.Error("a process that was not recorded with its executable was stopped")
	}
	if _, err := os.Stat(record); !os.IsNotExist(err) {
		t.Errorf("record not removed: %v", err)
	}
}

func TestChildProcesses(t *testing.T) {
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep binary")
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	kids, err := ChildProcesses(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range kids {
		found = found || k.PID == cmd.Process.Pid
	}
	if !found {
		t.Fatalf("child %d not among %+v", cmd.Process.Pid, kids)
	}
	if args := processArgs(cmd.Process.Pid); len(args) != 2 || args[1] != "300" {
		t.Errorf("command line %q, want sleep 300", args)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	kids, _ = ChildProcesses(os.Getpid())
	for _, k := range kids {
		if k.PID == cmd.Process.Pid {
			t.Fatalf("reaped child %d still listed", k.PID)
		}
	}
}
