package status

import (
	"sync/atomic"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// EventComponent is the source component of every Event AKO records.
const EventComponent = "avi-kubernetes-operator"

// Event reasons (ako-spec.md §7).
const (
	ReasonSynced               = "Synced"
	ReasonRemoved              = "Removed"
	ReasonInvalidConfiguration = "InvalidConfiguration"
	ReasonSyncError            = "SyncError"
)

// Writer writes status and Events. Normal Events obey enableEvents (live); Warning
// Events are always recorded.
type Writer struct {
	Client   client.Client
	Recorder record.EventRecorder
	Log      logr.Logger
	// EventsEnabled is the live enableEvents setting.
	EventsEnabled *atomic.Bool
}

// Normal records a Normal Event when enableEvents is on.
func (w *Writer) Normal(obj runtime.Object, reason, message string) {
	if w.Recorder == nil || (w.EventsEnabled != nil && !w.EventsEnabled.Load()) {
		return
	}
	w.Recorder.Event(obj, corev1.EventTypeNormal, reason, message)
}

// Warning records a Warning Event and logs the same message naming the object, so bad
// input is visible both where users look and where operators look.
func (w *Writer) Warning(obj client.Object, reason, message string) {
	w.Log.Info("warning: "+message, "reason", reason, "kind", kindOf(obj), "namespace", obj.GetNamespace(), "name", obj.GetName())
	if w.Recorder != nil {
		w.Recorder.Event(obj, corev1.EventTypeWarning, reason, message)
	}
}

func kindOf(obj runtime.Object) string {
	if k := obj.GetObjectKind().GroupVersionKind().Kind; k != "" {
		return k
	}
	switch obj.(type) {
	case *corev1.Service:
		return "Service"
	case *corev1.Pod:
		return "Pod"
	case *corev1.Node:
		return "Node"
	case *corev1.ConfigMap:
		return "ConfigMap"
	}
	return ""
}
