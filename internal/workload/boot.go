package workload

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
)

// Pod Event reasons (ako-spec.md §7).
const (
	ReasonValidatedUserInput  = "ValidatedUserInput"
	ReasonInvalidInput        = "AKOShutdown"
	ReasonSyncDisabled        = "SyncDisabled"
	ReasonReady               = "AKOReady"
	ReasonDeleteConfigSet     = "AKODeleteConfigSet"
	ReasonDeleteConfigUnset   = "AKODeleteConfigUnset"
	ReasonDeleteConfigDone    = "AKODeleteConfigDone"
	ReasonDeleteConfigTimeout = "AKODeleteConfigTimeout"
	ReasonLeaderElection      = "LeaderElection"
)

// Credentials are the contents of avi-secret.
type Credentials struct {
	Username, Password, AuthToken string
	CAData                        []byte
}

// CredentialsFromSecret reads avi-secret. The error names the missing key, never a value.
func CredentialsFromSecret(s *corev1.Secret) (Credentials, error) {
	c := Credentials{
		Username:  string(s.Data[settings.SecretKeyUsername]),
		Password:  string(s.Data[settings.SecretKeyPassword]),
		AuthToken: string(s.Data[settings.SecretKeyAuthToken]),
		CAData:    s.Data[settings.SecretKeyCA],
	}
	var errs []error
	if c.Username == "" {
		errs = append(errs, fmt.Errorf("Secret %s/%s: key %q is missing or empty", s.Namespace, s.Name, settings.SecretKeyUsername))
	}
	if c.Password == "" && c.AuthToken == "" {
		errs = append(errs, fmt.Errorf("Secret %s/%s: key %q or %q is required", s.Namespace, s.Name, settings.SecretKeyPassword, settings.SecretKeyAuthToken))
	}
	return c, errors.Join(errs...)
}

// loadInput reads and validates the ConfigMap and the Secret.
func (w *workload) loadInput(ctx context.Context) (settings.Settings, Credentials, *corev1.ConfigMap, error) {
	ns := w.opts.Namespace
	cm, err := w.kube.CoreV1().ConfigMaps(ns).Get(ctx, settings.ConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return settings.Settings{}, Credentials{}, nil, fmt.Errorf("ConfigMap %s/%s does not exist", ns, settings.ConfigMapName)
	}
	if err != nil {
		return settings.Settings{}, Credentials{}, nil, fmt.Errorf("reading ConfigMap %s/%s: %w", ns, settings.ConfigMapName, err)
	}
	s, err := settings.Parse(cm.Data)
	if err != nil {
		return settings.Settings{}, Credentials{}, cm, fmt.Errorf("ConfigMap %s/%s: %w", ns, settings.ConfigMapName, err)
	}
	sec, err := w.kube.CoreV1().Secrets(ns).Get(ctx, settings.SecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return s, Credentials{}, cm, fmt.Errorf("Secret %s/%s does not exist", ns, settings.SecretName)
	}
	if err != nil {
		return s, Credentials{}, cm, fmt.Errorf("reading Secret %s/%s: %w", ns, settings.SecretName, err)
	}
	creds, err := CredentialsFromSecret(sec)
	return s, creds, cm, err
}

// pod is this replica's Pod, the subject of workload Events; nil when it does not exist
// (the operator's in-process mode, tests).
func (w *workload) pod(ctx context.Context) *corev1.Pod {
	if w.opts.PodName == "" {
		return nil
	}
	p, err := w.kube.CoreV1().Pods(w.opts.Namespace).Get(ctx, w.opts.PodName, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return p
}

// reporter says a boot problem once where users look: the log, /api/status and a
// Warning Event on the Pod. It repeats only when the problem changes.
type reporter struct {
	w    *workload
	last string
}

func (r *reporter) problem(ctx context.Context, connection string, err error) {
	r.w.api.set(connection, false, err)
	if err.Error() == r.last {
		return
	}
	r.last = err.Error()
	r.w.log.Error(err, "the workload cannot start syncing yet; retrying")
	if p := r.w.pod(ctx); p != nil {
		r.w.events.Warning(p, ReasonInvalidInput, err.Error())
	}
}

// waitForInput retries loadInput with backoff until the input is valid.
func (w *workload) waitForInput(ctx context.Context, rep *reporter) (settings.Settings, Credentials, error) {
	delay := time.Second
	for {
		s, c, _, err := w.loadInput(ctx)
		if err == nil {
			return s, c, nil
		}
		rep.problem(ctx, ConnInitiating, err)
		if err := sleep(ctx, delay); err != nil {
			return s, c, err
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// validate checks the Controller side of the settings (ako-spec.md §8.1 step 6): tenant,
// cloud, VIP networks, SE group, VRF, license; the result is what the model needs.
func validate(ctx context.Context, c *avi.Client, s settings.Settings) (model.Cloud, error) {
	if err := c.CheckTenant(ctx, s.TenantName); err != nil {
		return model.Cloud{}, fmt.Errorf("%s %q: %w", settings.KeyTenantName, s.TenantName, err)
	}
	cl, err := c.Cloud(ctx, s.CloudName)
	if err != nil {
		return model.Cloud{}, fmt.Errorf("%s %q: %w", settings.KeyCloudName, s.CloudName, err)
	}
	nets, err := c.VIPNetworks(ctx, s.CloudName, s.VIPNetworkList)
	if err != nil {
		return model.Cloud{}, fmt.Errorf("%s: %w", settings.KeyVIPNetworkList, err)
	}
	if _, err := c.SEGroup(ctx, s.CloudName, s.ServiceEngineGroupName); err != nil {
		return model.Cloud{}, fmt.Errorf("%s %q: %w", settings.KeyServiceEngineGroupName, s.ServiceEngineGroupName, err)
	}
	vrf := s.VRFName
	if vrf == "" && len(nets) > 0 {
		vrf = nets[0].VRF
	}
	if vrf == "" {
		vrf = "global"
	}
	if _, err := c.VRF(ctx, s.CloudName, vrf); err != nil {
		return model.Cloud{}, fmt.Errorf("%s %q: %w", settings.KeyVRFName, vrf, err)
	}
	tier, err := c.LicenseTier(ctx)
	if err != nil {
		return model.Cloud{}, fmt.Errorf("reading the license tier: %w", err)
	}
	uuid, err := c.ClusterUUID(ctx)
	if err != nil {
		return model.Cloud{}, fmt.Errorf("reading the Controller cluster uuid: %w", err)
	}
	out := model.Cloud{
		Name: s.CloudName, UUID: cl.UUID, Tenant: s.TenantName, VRF: vrf,
		SEGroup: s.ServiceEngineGroupName, DNSDomains: cl.DNSDomains, LicenseTier: tier,
		ControllerUUID: uuid,
	}
	for _, n := range nets {
		out.VIPNetworks = append(out.VIPNetworks, model.VIPNetwork{Name: n.Name, UUID: n.UUID, CIDR: n.CIDR, V6CIDR: n.V6CIDR})
	}
	return out, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
