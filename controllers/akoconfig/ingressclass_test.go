package akoconfig

import (
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"

	"github.com/akoproject/ako/api/v1beta1"
)

func TestDesiredIngressClass(t *testing.T) {
	cases := []struct {
		name        string
		defaultIng  *bool
		wantDefault bool
	}{
		{"default class when defaultIngController", ptr.To(true), true},
		{"unset means the documented true", nil, true},
		{"not default when false", ptr.To(false), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ic := DesiredIngressClass(with(func(cfg *v1beta1.AKOConfig) { cfg.Spec.L7Settings.DefaultIngController = c.defaultIng }))
			if ic.Name != "avi-lb" || ic.Spec.Controller != "ako.vmware.com/avi-lb" {
				t.Errorf("ingress class %+v", ic)
			}
			if got := ic.Annotations[DefaultIngressClassAnnotation] == "true"; got != c.wantDefault {
				t.Errorf("default-class = %v, want %v", got, c.wantDefault)
			}
		})
	}
}

func TestIngressClassChanged(t *testing.T) {
	desired := DesiredIngressClass(defaultedConfig())
	notDefault := DesiredIngressClass(with(func(c *v1beta1.AKOConfig) { c.Spec.L7Settings.DefaultIngController = ptr.To(false) }))
	cases := []struct {
		name             string
		current, desired *networkingv1.IngressClass
		changed, replace bool
	}{
		{"identical", desired.DeepCopy(), desired, false, false},
		{"default annotation removed by hand", notDefault.DeepCopy(), desired, true, false},
		{"no longer default", desired.DeepCopy(), notDefault, true, false},
		{"controller is immutable", func() *networkingv1.IngressClass {
			c := desired.DeepCopy()
			c.Spec.Controller = "example.com/other"
			return c
		}(), desired, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changed, replace, updated := ingressClassChanged(c.current, c.desired)
			if changed != c.changed || replace != c.replace {
				t.Fatalf("changed, replace = %v, %v; want %v, %v", changed, replace, c.changed, c.replace)
			}
			if changed && !replace {
				if again, _, _ := ingressClassChanged(updated, c.desired); again {
					t.Error("updated copy still differs")
				}
			}
		})
	}
}
