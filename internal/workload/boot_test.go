package workload

import (
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/akoproject/ako/internal/settings"
)

func TestCredentialsFromSecret(t *testing.T) {
	sec := func(data map[string]string) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "avi-system", Name: "avi-secret"}, Data: map[string][]byte{}}
		for k, v := range data {
			s.Data[k] = []byte(v)
		}
		return s
	}
	tests := []struct {
		name    string
		data    map[string]string
		wantErr []string
	}{
		{"password", map[string]string{"username": "admin", "password": "s3cret"}, nil},
		{"token", map[string]string{"username": "admin", "authtoken": "tok"}, nil},
		{"no username", map[string]string{"password": "s3cret"}, []string{`key "username"`}},
		{"no password or token", map[string]string{"username": "admin"}, []string{`"password" or "authtoken"`}},
	}
	for _, tc := range tests {
		_, err := CredentialsFromSecret(sec(tc.data))
		if len(tc.wantErr) == 0 && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		for _, w := range tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), w) || !strings.Contains(err.Error(), "avi-system/avi-secret") {
				t.Errorf("%s: error %v, want it to name %s and the Secret", tc.name, err, w)
			}
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error shows the password", tc.name)
		}
	}
}

func TestSameRestartSettings(t *testing.T) {
	base := map[string]string{settings.KeyControllerIP: "x", settings.KeyClusterName: "c1", settings.KeyVIPNetworkList: `[{"networkName":"n"}]`}
	parse := func(extra map[string]string) settings.Settings {
		d := map[string]string{}
		for k, v := range base {
			d[k] = v
		}
		for k, v := range extra {
			d[k] = v
		}
		s, err := settings.Parse(d)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := parse(nil)
	for key, v := range map[string]string{settings.KeyLogLevel: "DEBUG", settings.KeyDeleteConfig: "true", settings.KeyEnableEvents: "false"} {
		if !sameRestartSettings(a, parse(map[string]string{key: v})) {
			t.Errorf("live key %s restarts", key)
		}
	}
	if sameRestartSettings(a, parse(map[string]string{settings.KeyServiceType: "NodePort"})) {
		t.Error("serviceType change does not restart")
	}
}

func TestZapLevel(t *testing.T) {
	for in, want := range map[string]zapcore.Level{"DEBUG": zapcore.DebugLevel, "INFO": zapcore.InfoLevel, "WARN": zapcore.WarnLevel, "ERROR": zapcore.ErrorLevel} {
		if got := zapLevel(in); got != want {
			t.Errorf("%s → %v", in, got)
		}
	}
}
