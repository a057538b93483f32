package workload

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/internal/sync"
)

// deleteConfigTimeout bounds the removal of every object for deleteConfig (§8.5).
const deleteConfigTimeout = 30 * time.Minute

// StatefulSetName is the AKO StatefulSet that carries AviObjectDeletionStatus.
const StatefulSetName = "ako"

func (r *run) announceFollower(ctx context.Context, elected <-chan struct{}) {
	select {
	case <-elected:
		return
	case <-ctx.Done():
		return
	case <-time.After(retryPeriod + time.Second):
	}
	r.w.log.Info("this replica is a follower: it writes nothing until it becomes the leader")
	if p := r.w.pod(ctx); p != nil {
		r.w.events.Normal(p, ReasonLeaderElection, "AKO became a follower")
	}
}

// lead is the leader's loop: load the Controller view, open the gate for the
// reconcilers, then full syncs and deleteConfig transitions, one at a time.
func (r *run) lead(ctx context.Context) error {
	w := r.w
	r.leader.Store(true)
	log := w.log.WithName("leader")
	log.Info("this replica is the leader")
	if p := w.pod(ctx); p != nil {
		w.events.Normal(p, ReasonLeaderElection, "AKO became a leader")
	}

	deleting := r.liveSettings().DeleteConfig
	if deleting {
		r.gate.SetPaused(true)
	}
	// The first view of the Controller: without it every reconcile would re-create.
	if err := r.populate(ctx, log); err != nil {
		return nil // ctx ended
	}
	r.gate.Open()
	if deleting {
		r.deleteEverything(ctx)
	} else {
		r.fullSync(ctx, false)
		if p := w.pod(ctx); p != nil {
			w.events.Normal(p, ReasonReady, "AKO is now listening for Object updates in the cluster")
		}
	}

	var tick <-chan time.Time
	if f := r.settings.FullSyncFrequency; f > 0 {
		t := time.NewTicker(time.Duration(f) * time.Second)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			if !deleting {
				r.fullSync(ctx, true)
			}
		case want := <-r.deleteWanted:
			switch {
			case want && !deleting:
				deleting = true
				r.deleteEverything(ctx)
			case !want && deleting:
				deleting = false
				r.resume(ctx)
			}
		}
	}
}

// populate loads the Controller view, retrying with backoff; it fails only when ctx ends.
func (r *run) populate(ctx context.Context, log interface{ Info(string, ...any) }) error {
	delay := time.Second
	for {
		err := r.engine.Populate(ctx)
		if err == nil {
			r.w.api.set(ConnConnected, true)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.w.api.set(ConnDisconnected, true, err)
		log.Info("reading the Avi Controller's objects failed, retrying", "error", err.Error(), "retryIn", delay.String())
		if err := sleep(ctx, delay); err != nil {
			return err
		}
		delay = min(delay*2, time.Minute)
	}
}

// fullSync recomputes every key and deletes what no key wants. refresh reloads the
// Controller view first (periodic syncs repair out-of-band changes that way). Nothing is
// deleted when the Controller or the Kubernetes view is incomplete.
func (r *run) fullSync(ctx context.Context, refresh bool) {
	w := r.w
	start := time.Now()
	log := w.log.WithName("fullsync")
	populated := true
	if refresh {
		if err := r.engine.Populate(ctx); err != nil {
			populated = false
			w.api.set(ConnDisconnected, true, err)
			log.Info("full sync without garbage collection: the Controller view is incomplete", "error", err.Error())
		} else {
			w.api.set(ConnConnected, true)
		}
	}
	var trees []model.Tree
	complete := true
	for _, src := range r.sources {
		t, ok := src.Desired(ctx)
		trees = append(trees, t...)
		complete = complete && ok
		if err := src.Resync(ctx); err != nil {
			log.Error(err, "queueing keys", "source", src.Name())
		}
	}
	result := "ok"
	if populated {
		res, err := r.engine.GC(ctx, sync.Desired{Trees: trees, Complete: complete})
		if err != nil {
			result = "gc-error"
			log.Info("garbage collection did not finish", "error", err.Error())
		}
		if n := res.Writes(); n > 0 {
			log.Info("garbage-collected objects no key wants", "deleted", n)
		}
	} else {
		result = "incomplete"
	}
	w.managed.fullSync(result, time.Since(start))
	log.V(1).Info("full sync done", "trees", len(trees), "seconds", time.Since(start).Seconds())
}

// deleteEverything handles deleteConfig: true (§8.5): stop syncing, delete every object
// we own, clear the status we wrote, and report progress on the annotation.
func (r *run) deleteEverything(ctx context.Context) {
	w := r.w
	log := w.log.WithName("deleteconfig")
	r.gate.SetPaused(true) // waits for reconciles in flight
	log.Info("deleteConfig is set: removing every Avi object of this cluster")
	r.setDeletionStatus(ctx, settings.DeletionStarted)
	if p := w.pod(ctx); p != nil {
		w.events.Normal(p, ReasonDeleteConfigSet, "deleteConfig set: removing every Avi object of this cluster")
	}
	dctx, cancel := context.WithTimeout(ctx, deleteConfigTimeout)
	defer cancel()
	delay := time.Second
	for {
		_, err := r.engine.DeleteAll(dctx)
		if err == nil {
			break
		}
		if dctx.Err() != nil {
			if ctx.Err() != nil {
				return
			}
			log.Error(err, "deleteConfig timed out")
			r.setDeletionStatus(ctx, settings.DeletionTimeout)
			if p := w.pod(ctx); p != nil {
				w.events.Warning(p, ReasonDeleteConfigTimeout, "deleteConfig: not every Avi object could be removed: "+err.Error())
			}
			return
		}
		log.Info("removing Avi objects failed, retrying", "error", err.Error())
		if sleep(dctx, delay) != nil {
			continue
		}
		delay = min(delay*2, 30*time.Second)
	}
	for _, src := range r.sources {
		if err := src.Cleanup(ctx); err != nil {
			log.Error(err, "cleanup after deleteConfig", "source", src.Name())
		}
	}
	r.setDeletionStatus(ctx, settings.DeletionDone)
	log.Info("deleteConfig done: no Avi object of this cluster is left")
	if p := w.pod(ctx); p != nil {
		w.events.Normal(p, ReasonDeleteConfigDone, "deleteConfig: every Avi object of this cluster was removed")
	}
}

// resume handles deleteConfig: false: remove the annotation and bring everything back.
func (r *run) resume(ctx context.Context) {
	w := r.w
	w.log.Info("deleteConfig unset: syncing everything again")
	r.setDeletionStatus(ctx, "")
	if p := w.pod(ctx); p != nil {
		w.events.Normal(p, ReasonDeleteConfigUnset, "deleteConfig unset: syncing every object again")
	}
	if err := r.engine.Populate(ctx); err != nil {
		w.log.Info("reading the Controller after deleteConfig failed; the next full sync repairs", "error", err.Error())
	}
	r.gate.SetPaused(false)
	r.fullSync(ctx, false)
}

// setDeletionStatus sets (or, with "", removes) AviObjectDeletionStatus on StatefulSet
// ako, or on the ConfigMap when the workload runs in-process or without a StatefulSet.
func (r *run) setDeletionStatus(ctx context.Context, value string) {
	w := r.w
	var v any = value
	if value == "" {
		v = nil
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{settings.DeletionStatusAnnotation: v}}})
	ns := w.opts.Namespace
	if !w.opts.InProcess {
		_, err := w.kube.AppsV1().StatefulSets(ns).Patch(ctx, StatefulSetName, types.MergePatchType, patch, metav1.PatchOptions{})
		if err == nil {
			return
		}
		if !apierrors.IsNotFound(err) {
			w.log.Error(err, "annotating StatefulSet", "name", StatefulSetName, settings.DeletionStatusAnnotation, value)
			return
		}
		w.log.V(1).Info("no StatefulSet ako; reporting deletion progress on the ConfigMap")
	}
	if _, err := w.kube.CoreV1().ConfigMaps(ns).Patch(ctx, settings.ConfigMapName, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		w.log.Error(err, "annotating ConfigMap", "name", settings.ConfigMapName, settings.DeletionStatusAnnotation, value)
	}
}

func (r *run) liveSettings() settings.Settings {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.live
}

// watchSettings follows ConfigMap avi-k8s-config and Secret avi-secret on every replica:
// logLevel and enableEvents apply at once, deleteConfig goes to the leader's loop, and
// any other change restarts the workload with the new settings.
func (r *run) watchSettings(ctx context.Context) error {
	w := r.w
	cms, err := r.mgr.GetCache().GetInformer(ctx, &corev1.ConfigMap{})
	if err != nil {
		return fmt.Errorf("watching ConfigMap %s: %w", settings.ConfigMapName, err)
	}
	onCM := func(o any) {
		if cm, ok := o.(*corev1.ConfigMap); ok && cm.Name == settings.ConfigMapName {
			r.onConfigMap(cm)
		}
	}
	if _, err := cms.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    onCM,
		UpdateFunc: func(_, n any) { onCM(n) },
		DeleteFunc: func(any) {
			w.log.Info("ConfigMap deleted; the running settings stay until it is back", "configMap", settings.ConfigMapName)
		},
	}); err != nil {
		return err
	}
	secrets, err := r.mgr.GetCache().GetInformer(ctx, &corev1.Secret{})
	if err != nil {
		return fmt.Errorf("watching Secret %s: %w", settings.SecretName, err)
	}
	onSecret := func(o any) {
		sec, ok := o.(*corev1.Secret)
		if !ok || sec.Name != settings.SecretName {
			return
		}
		if c, err := CredentialsFromSecret(sec); err != nil || !reflect.DeepEqual(c, r.creds) {
			r.restart(fmt.Errorf("%w: Secret %s changed", errRestart, settings.SecretName))
		}
	}
	if _, err := secrets.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    onSecret,
		UpdateFunc: func(_, n any) { onSecret(n) },
		DeleteFunc: func(any) { r.restart(fmt.Errorf("%w: Secret %s deleted", errRestart, settings.SecretName)) },
	}); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

func (r *run) onConfigMap(cm *corev1.ConfigMap) {
	w := r.w
	s, err := settings.Parse(cm.Data)
	if err != nil {
		w.log.Error(err, "ignoring an invalid change of the ConfigMap; the running settings stay", "configMap", settings.ConfigMapName)
		return
	}
	r.mu.Lock()
	prev := r.live
	r.live = s
	r.mu.Unlock()
	if s.LogLevel != prev.LogLevel {
		w.log.Info("log level changed", "logLevel", s.LogLevel)
		w.applyLogLevel(s.LogLevel)
	}
	r.events.Store(s.EnableEvents)
	// Only this handler sends; the leader's loop takes the latest value.
	select {
	case <-r.deleteWanted:
	default:
	}
	r.deleteWanted <- s.DeleteConfig
	if !sameRestartSettings(s, r.settings) {
		r.restart(fmt.Errorf("%w: ConfigMap %s changed a setting that needs a restart", errRestart, settings.ConfigMapName))
	}
}

// sameRestartSettings compares everything but the live keys.
func sameRestartSettings(a, b settings.Settings) bool {
	for _, s := range []*settings.Settings{&a, &b} {
		s.LogLevel, s.DeleteConfig, s.EnableEvents = "", false, false
	}
	return reflect.DeepEqual(a, b)
}
