// Command avi-sim runs the Avi Controller simulator (internal/avisim) over HTTPS.
//
//	avi-sim --addr 127.0.0.1:8443 --username admin --password PASS \
//	    [--seed F] [--state-file F] [--version 30.2.1] [--tls-cert F --tls-key F] [--validation strict|off]
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/stdr"

	"github.com/akoproject/ako/internal/avisim"
)

func main() {
	logger := stdr.New(log.New(os.Stderr, "", log.LstdFlags))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, logger, os.Args[1:], os.Stdout, nil); err != nil {
		logger.Error(err, "avi-sim failed")
		os.Exit(1)
	}
}

// run serves until ctx ends; ready, if set, learns the listening address.
func run(ctx context.Context, logger logr.Logger, args []string, out io.Writer, ready func(net.Addr)) error {
	fs := flag.NewFlagSet("avi-sim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8443", "listen address")
	user := fs.String("username", "admin", "controller user name")
	password := fs.String("password", os.Getenv("AVI_SIM_PASSWORD"), "controller password (default $AVI_SIM_PASSWORD, else generated and printed)")
	seedFile := fs.String("seed", "", "JSON or YAML seed replacing the built-in default seed")
	stateFile := fs.String("state-file", "", "persist the controller state in this file (restored on start)")
	version := fs.String("version", avisim.DefaultVersion, "simulated controller version")
	certFile := fs.String("tls-cert", "", "PEM serving certificate (default: a generated self-signed one)")
	keyFile := fs.String("tls-key", "", "PEM private key for --tls-cert")
	validation := fs.String("validation", avisim.ValidationStrict, "request body checks against the SDK models: strict or off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*certFile == "") != (*keyFile == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	generated := false
	if *password == "" {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("generate password: %w", err)
		}
		*password, generated = hex.EncodeToString(b), true
	}
	opts := avisim.Options{Username: *user, Password: *password, Version: *version, StateFile: *stateFile, Log: logger, Validation: *validation}
	if *seedFile != "" {
		seed, err := avisim.LoadSeedFile(*seedFile)
		if err != nil {
			return err
		}
		opts.Seed = seed
	}
	sim, err := avisim.New(opts)
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}

	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	var cert tls.Certificate
	if *certFile != "" {
		cert, err = tls.LoadX509KeyPair(*certFile, *keyFile)
	} else {
		cert, err = avisim.SelfSignedTLS(host)
	}
	if err != nil {
		return fmt.Errorf("TLS certificate: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           sim,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(os.Stderr, "http: ", log.LstdFlags),
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()

	fmt.Fprintf(out, "avi-sim %s listening on https://%s\n", *version, ln.Addr())
	fmt.Fprintf(out, "  username: %s\n", *user)
	if generated {
		fmt.Fprintf(out, "  password: %s (generated; pass --password to choose one)\n", *password)
	} else {
		fmt.Fprintf(out, "  password: as given by --password / $AVI_SIM_PASSWORD\n")
	}
	fmt.Fprintf(out, "  control API: https://%s/_sim/\n", ln.Addr())
	if *stateFile != "" {
		fmt.Fprintf(out, "  state file: %s\n", *stateFile)
	}

	sim.SetRefHost(ln.Addr().String())
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		_ = sim.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		logger.Error(err, "HTTP shutdown")
	}
	if err := sim.Close(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	logger.Info("stopped")
	return nil
}
