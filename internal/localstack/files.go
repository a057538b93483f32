package localstack

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// stateLayout names the files of the state directory (.local in the repository).
type stateLayout struct{ dir string }

func (l stateLayout) kubeconfig() string { return filepath.Join(l.dir, "kubeconfig") }
func (l stateLayout) aviEnv() string     { return filepath.Join(l.dir, "avi.env") }
func (l stateLayout) aviCACert() string  { return filepath.Join(l.dir, "avi-ca.crt") }
func (l stateLayout) etcdData() string   { return filepath.Join(l.dir, "etcd") }
func (l stateLayout) simState() string   { return filepath.Join(l.dir, "avisim-state.json") }
func (l stateLayout) logs() string       { return filepath.Join(l.dir, "logs") }
func (l stateLayout) pids() string       { return filepath.Join(l.dir, "stack.pids") }

// reset removes what a previous run left, except the files a resumed run reads.
func (l stateLayout) reset() error {
	for _, p := range []string{l.etcdData(), l.simState(), l.kubeconfig(), l.aviEnv(), l.aviCACert(), l.logs()} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("cleaning the previous run's state: %w", err)
		}
	}
	return nil
}

// writeFileAtomic writes through a temporary file and a rename, so a reader (a user's
// kubectl, a resumed run) never sees half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// aviEnvFile is .local/avi.env: a shell fragment (`source .local/avi.env`) naming the
// simulator. Values are shell-quoted.
func aviEnvFile(url, username, password, caFile string) []byte {
	var b bytes.Buffer
	b.WriteString("# Written by the local stack (make run). Use: source .local/avi.env\n")
	for _, kv := range [][2]string{{"AVI_URL", url}, {"AVI_USERNAME", username}, {"AVI_PASSWORD", password}, {"AVI_CACERT", caFile}} {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	return b.Bytes()
}

// parseAviEnv reads back what aviEnvFile wrote (KEEP=1 keeps the password).
func parseAviEnv(data []byte) map[string]string {
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(key, "#") {
			continue
		}
		vars[key] = shellUnquote(value)
	}
	return vars
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellUnquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], `'\''`, "'")
	}
	return s
}
