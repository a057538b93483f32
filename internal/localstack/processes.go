package localstack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a child process the stack started (etcd, kube-apiserver). Each runs in its
// own process group (envtest sets Setpgid), so the terminal's Ctrl-C reaches only the
// stack, which then stops them in order.
type Process struct {
	PID  int
	Exe  string
	Name string
}

// procStat is the part of /proc/<pid>/stat the stack needs.
type procStat struct {
	state byte
	ppid  int
	pgid  int
}

// parseProcStat parses /proc/<pid>/stat. The command name is in parentheses and may itself
// contain spaces and parentheses, so the fields are read after the last ')'.
func parseProcStat(data string) (procStat, error) {
	end := strings.LastIndexByte(data, ')')
	if end < 0 || end+2 > len(data) {
		return procStat{}, fmt.Errorf("malformed /proc stat %q", data)
	}
	fields := strings.Fields(data[end+1:])
	if len(fields) < 3 || len(fields[0]) != 1 {
		return procStat{}, fmt.Errorf("malformed /proc stat %q", data)
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return procStat{}, fmt.Errorf("malformed ppid in /proc stat: %w", err)
	}
	pgid, err := strconv.Atoi(fields[2])
	if err != nil {
		return procStat{}, fmt.Errorf("malformed pgid in /proc stat: %w", err)
	}
	return procStat{state: fields[0][0], ppid: ppid, pgid: pgid}, nil
}

func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(string(data))
}

// ChildProcesses lists the live (not zombie) children of process parent from /proc.
func ChildProcesses(parent int) ([]Process, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	var out []Process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err != nil || st.ppid != parent || st.state == 'Z' {
			continue // gone meanwhile, or not ours
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		out = append(out, Process{PID: pid, Exe: exe, Name: filepath.Base(exe)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, nil
}

// processArgs is the command line of pid ("" entries dropped), nil when it is gone.
func processArgs(pid int) []string {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return nil
	}
	var args []string
	for _, a := range strings.Split(string(data), "\x00") {
		if a != "" {
			args = append(args, a)
		}
	}
	return args
}

// Alive reports whether pid names a running (not zombie) process.
func Alive(pid int) bool {
	st, err := readProcStat(pid)
	return err == nil && st.state != 'Z'
}

// pidRecord is .local/stack.pids: "<pid> <exe>" per line, written while the stack runs
// so that a run killed with SIGKILL can be cleaned up by the next one.
func pidRecord(procs []Process) []byte {
	var b strings.Builder
	for _, p := range procs {
		fmt.Fprintf(&b, "%d %s\n", p.PID, p.Exe)
	}
	return []byte(b.String())
}

func parsePidRecord(data []byte) []Process {
	var out []Process
	for _, line := range strings.Split(string(data), "\n") {
		pidText, exe, ok := strings.Cut(strings.TrimSpace(line), " ")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 1 {
			continue
		}
		out = append(out, Process{PID: pid, Exe: exe, Name: filepath.Base(exe)})
	}
	return out
}

// stopLeftovers stops the process groups a previous run recorded and left running (it was
// killed before it could stop them). A recorded pid only counts when it still runs the
// recorded executable and leads its own group, so a recycled pid is never touched.
func stopLeftovers(record string, logf func(string, ...any)) error {
	data, err := os.ReadFile(record)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", record, err)
	}
	procs := parsePidRecord(data)
	for i := len(procs) - 1; i >= 0; i-- { // kube-apiserver (started last) before etcd
		p := procs[i]
		st, err := readProcStat(p.PID)
		if err != nil || st.state == 'Z' || st.pgid != p.PID {
			continue
		}
		if exe, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(p.PID), "exe")); exe != p.Exe {
			continue
		}
		logf("stopping %s (pid %d) left running by an earlier run", p.Name, p.PID)
		if err := stopGroup(p.PID, 15*time.Second); err != nil {
			return err
		}
	}
	return os.Remove(record)
}

// stopGroup sends SIGTERM to process group pgid, then SIGKILL after grace.
func stopGroup(pgid int, grace time.Duration) error {
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping process group %d: %w", pgid, err)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !groupAlive(pgid) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing process group %d: %w", pgid, err)
	}
	return nil
}

// groupAlive reports whether any process of group pgid is still running. kill(-pgid, 0)
// also counts zombies, which this stack's children never stay (envtest waits on them), but
// a leftover of a dead run is reparented to init, which reaps it.
func groupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}
