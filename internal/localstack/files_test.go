package localstack

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAviEnvRoundTrip(t *testing.T) {
	for _, pw := range []string{"plain", "with'quote", "sp ace$and\"dq"} {
		data := aviEnvFile("https://127.0.0.1:1", "admin", pw, "/x/avi-ca.crt")
		got := parseAviEnv(data)
		want := map[string]string{"AVI_URL": "https://127.0.0.1:1", "AVI_USERNAME": "admin", "AVI_PASSWORD": pw, "AVI_CACERT": "/x/avi-ca.crt"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("password %q: %s = %q, want %q", pw, k, got[k], v)
			}
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kubeconfig")
	if err := writeFileAtomic(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(p, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil || string(data) != "two" {
		t.Fatalf("read %q, %v", data, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := writeFileAtomic(filepath.Join(dir, "missing", "f"), nil, 0o600); err == nil {
		t.Error("no error writing into a missing directory")
	}
}
