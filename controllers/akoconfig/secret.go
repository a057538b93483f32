package akoconfig

import (
	"context"
	"encoding/pem"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/internal/settings"
)

// Reasons for a Secret that cannot be used.
const (
	ReasonSecretMissing = "SecretMissing"
	ReasonSecretInvalid = "SecretInvalid"
)

// secretProblem is why avi-secret cannot be used: a condition reason and a message that
// names keys, never values.
type secretProblem struct {
	Reason  string
	Message string
}

// checkSecret validates avi-secret: a username and a password or an authtoken, and, when
// present, certificateAuthorityData holding PEM certificates. nil means usable. Only key
// names appear in the result; the Secret's content is never logged or reported.
func checkSecret(namespace string, secret *corev1.Secret) *secretProblem {
	ref := namespace + "/" + SecretName
	if secret == nil {
		return &secretProblem{ReasonSecretMissing, fmt.Sprintf("Secret %s not found; create it with key %q and %q or %q", ref,
			settings.SecretKeyUsername, settings.SecretKeyPassword, settings.SecretKeyAuthToken)}
	}
	value := func(key string) string { return strings.TrimSpace(string(secret.Data[key])) }
	var problems []string
	if value(settings.SecretKeyUsername) == "" {
		problems = append(problems, fmt.Sprintf("key %q is missing or empty", settings.SecretKeyUsername))
	}
	if value(settings.SecretKeyPassword) == "" && value(settings.SecretKeyAuthToken) == "" {
		problems = append(problems, fmt.Sprintf("one of %q or %q is required", settings.SecretKeyPassword, settings.SecretKeyAuthToken))
	}
	if ca, ok := secret.Data[settings.SecretKeyCA]; ok && len(strings.TrimSpace(string(ca))) > 0 && !isPEMCertificates(ca) {
		problems = append(problems, fmt.Sprintf("key %q is not PEM-encoded certificates", settings.SecretKeyCA))
	}
	if len(problems) == 0 {
		return nil
	}
	return &secretProblem{ReasonSecretInvalid, fmt.Sprintf("Secret %s is malformed: %s", ref, strings.Join(problems, "; "))}
}

// isPEMCertificates reports whether data is one or more PEM CERTIFICATE blocks and nothing
// else but whitespace.
func isPEMCertificates(data []byte) bool {
	found := false
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			return found && strings.TrimSpace(string(data)) == ""
		}
		if block.Type != "CERTIFICATE" {
			return false
		}
		found = true
		data = rest
	}
}

func (r *Reconciler) currentSecret(ctx context.Context) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: SecretName}, s)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s/%s: %w", r.Namespace, SecretName, err)
	}
	return s, nil
}
