package main

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/vmware/alb-sdk/go/clients"
	"github.com/vmware/alb-sdk/go/models"
	"github.com/vmware/alb-sdk/go/session"
)

// start runs the command until the returned stop function is called.
func start(t *testing.T, args ...string) (addr string, out *bytes.Buffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	out = &bytes.Buffer{}
	go func() { done <- run(ctx, logr.Discard(), args, out, func(a net.Addr) { ready <- a }) }()
	select {
	case a := <-ready:
		addr = a.String()
	case err := <-done:
		cancel()
		t.Fatalf("avi-sim exited: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("avi-sim did not start")
	}
	return addr, out, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("avi-sim did not stop")
			return nil
		}
	}
}

func TestCommandServesSDKAndKeepsState(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	args := []string{"--addr", "127.0.0.1:0", "--username", "admin", "--password", "pw-Secret-42", "--state-file", state}
	addr, out, stop := start(t, args...)
	if !strings.Contains(out.String(), "https://"+addr) || strings.Contains(out.String(), "pw-Secret-42") {
		t.Fatalf("banner = %q", out.String())
	}
	c, err := clients.NewAviClient(addr, "admin", session.SetPassword("pw-Secret-42"), session.SetInsecure,
		session.DisableControllerStatusCheckOnFailure(true))
	if err != nil {
		t.Fatal(err)
	}
	name := "kept"
	if _, err := c.Pool.Create(&models.Pool{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatalf("clean stop: %v", err)
	}

	addr, _, stop = start(t, args...)
	defer stop()
	c, err = clients.NewAviClient(addr, "admin", session.SetPassword("pw-Secret-42"), session.SetInsecure,
		session.DisableControllerStatusCheckOnFailure(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pool.GetByName("kept"); err != nil {
		t.Fatalf("pool lost across restart: %v", err)
	}
}

func TestCommandRejectsBadFlags(t *testing.T) {
	err := run(context.Background(), logr.Discard(), []string{"--tls-cert", "x"}, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "--tls-key") {
		t.Fatalf("lone --tls-cert: %v", err)
	}
	err = run(context.Background(), logr.Discard(), []string{"--seed", "/nonexistent.yaml"}, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "seed") {
		t.Fatalf("missing seed: %v", err)
	}
}
