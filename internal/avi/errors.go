package avi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/vmware/alb-sdk/go/session"
)

// Class says how a caller should react to a failed Avi call (avi-api.md §4.4).
type Class int

const (
	// ClassUnknown is the class of nil and of errors that did not come from an Avi call.
	ClassUnknown Class = iota
	// ClassRetryable: try again soon (5xx, a session that had to be renewed, 412).
	ClassRetryable
	// ClassSlow: try again after a long pause (timeouts, unreachable Controller, IPAM
	// exhausted, upgrade in progress, tenant or VRF missing, rate limited).
	ClassSlow
	// ClassNotFound: the object does not exist (404).
	ClassNotFound
	// ClassConflict: an object with that name already exists (409).
	ClassConflict
	// ClassInvalidCredentials: the Controller refused the username/password or token;
	// retrying cannot help until the credentials change.
	ClassInvalidCredentials
	// ClassPermanent: the Controller rejected the request itself (other 4xx); retrying the
	// same request gives the same answer.
	ClassPermanent
)

func (c Class) String() string {
	switch c {
	case ClassRetryable:
		return "Retryable"
	case ClassSlow:
		return "Slow"
	case ClassNotFound:
		return "NotFound"
	case ClassConflict:
		return "Conflict"
	case ClassInvalidCredentials:
		return "InvalidCredentials"
	case ClassPermanent:
		return "Permanent"
	}
	return "Unknown"
}

// Requeue is what a work queue should do with a key whose sync failed with an error.
type Requeue int

const (
	// RequeueNever: the input must change first (a Permanent error).
	RequeueNever Requeue = iota
	// RequeueFast: per-item exponential backoff starting at milliseconds.
	RequeueFast
	// RequeueSlow: try again after a long fixed pause (tens of seconds).
	RequeueSlow
	// RequeueShutdown: the credentials are wrong; stop talking to the Controller.
	RequeueShutdown
)

// Requeue maps the class to the queue reaction. NotFound and Conflict are fast: the sync
// layer has already repaired its cache, so the next attempt takes the other path.
func (c Class) Requeue() Requeue {
	switch c {
	case ClassRetryable, ClassNotFound, ClassConflict, ClassUnknown:
		return RequeueFast
	case ClassSlow:
		return RequeueSlow
	case ClassInvalidCredentials:
		return RequeueShutdown
	}
	return RequeueNever
}

// Error is a failed Avi call, classified.
type Error struct {
	Class  Class
	Verb   string
	Path   string // e.g. api/pool/pool-1234
	Status int    // HTTP status when the Controller answered, else 0
	// Message is the Controller's text (the "error" field of its JSON answer) or the
	// transport error.
	Message string
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Verb != "" || e.Path != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Verb, e.Path)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d: ", e.Status)
	}
	b.WriteString(e.Message)
	fmt.Fprintf(&b, " (%s)", e.Class)
	return b.String()
}

// Permanent marks err, which did not come from the Controller (an invalid desired
// object, say), as one that retrying cannot fix.
func Permanent(err error) error {
	return &Error{Class: ClassPermanent, Message: err.Error(), Err: err}
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of the first *Error in err's chain, ClassUnknown if none.
func ClassOf(err error) Class {
	if err == nil {
		return ClassUnknown
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Class
	}
	return ClassUnknown
}

// IsNotFound reports whether err is a 404 from the Controller.
func IsNotFound(err error) bool { return ClassOf(err) == ClassNotFound }

// ErrInvalidCredentials is wrapped by errors of ClassInvalidCredentials so callers can
// use errors.Is.
var ErrInvalidCredentials = errors.New("the Avi Controller rejected the credentials")

// sdkRetryText is what the SDK returns, instead of the status, for 401 after a re-login,
// 419 and 501-598 when its own controller status checks are disabled.
const sdkRetryText = "Rest request error, returning to caller"

// slowMessages are Controller texts that mean "this will not clear up in milliseconds".
var slowMessages = []string{
	"No available free IPs",
	"Configuration is disallowed during upgrade",
	"VrfContext object not found",
	"VrfContext not found",
	"Network object not found",
}

// classifyStatus classifies an answer from the Controller by status, verb and text.
func classifyStatus(verb string, status int, msg string) Class {
	switch {
	case status == 401 && strings.Contains(msg, "Invalid credentials"):
		return ClassInvalidCredentials
	case status == 401 || status == 419 || status == 412:
		return ClassRetryable
	case status == 403 && strings.Contains(msg, "does not exist"): // "Tenant 'x' does not exist!"
		return ClassSlow
	case status == 408 || status == 429:
		return ClassSlow
	case status == 404:
		return ClassNotFound
	case status == 409:
		return ClassConflict
	case status == 500 && strings.Contains(msg, "Import error") && strings.Contains(msg, "common_name"):
		// A certificate the Controller cannot import; retrying gives the same answer.
		return ClassPermanent
	case status >= 500:
		return ClassRetryable
	}
	for _, s := range slowMessages {
		if strings.Contains(msg, s) {
			return ClassSlow
		}
	}
	if status >= 400 {
		return ClassPermanent
	}
	return ClassRetryable
}

// classify turns an error returned by the SDK (or by reading its answer) into an *Error.
// A context error is returned unchanged: the caller gave up, nothing to classify.
func classify(verb, path string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	out := &Error{Verb: verb, Path: path, Err: err}
	var sdkErr session.AviError
	var urlErr *url.Error
	var netErr net.Error
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &sdkErr):
		out.Status = sdkErr.HttpStatusCode
		if sdkErr.Message != nil {
			out.Message = controllerText(*sdkErr.Message)
		} else {
			out.Message = err.Error()
		}
		if out.Status == 0 {
			out.Class = ClassRetryable
		} else {
			out.Class = classifyStatus(verb, out.Status, out.Message)
		}
	case strings.Contains(err.Error(), sdkRetryText):
		out.Class, out.Message = ClassRetryable, err.Error()
	case errors.As(err, &urlErr), errors.As(err, &netErr):
		out.Class, out.Message = ClassSlow, err.Error()
	case errors.As(err, &syntaxErr):
		// A 2xx answer that is not JSON: a broken proxy or a truncated answer.
		out.Class, out.Message = ClassRetryable, "answer is not JSON: "+err.Error()
	default:
		out.Class, out.Message = ClassRetryable, err.Error()
	}
	if out.Class == ClassInvalidCredentials {
		out.Err = errors.Join(ErrInvalidCredentials, err)
	}
	return out
}

// statusError builds the *Error for a non-2xx answer whose body we read ourselves.
func statusError(verb, path string, status int, body []byte) error {
	msg := bodyText(body)
	return &Error{Class: classifyStatus(verb, status, msg), Verb: verb, Path: path, Status: status, Message: msg}
}

// bodyText extracts the Controller's message from an error body: the "error" (or
// "detail") field of a JSON object, else the trimmed text.
func bodyText(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"error", "detail", "message"} {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 512 {
		s = s[:512] + "…"
	}
	return s
}

// controllerText unwraps the SDK's "map[error:<text>]" rendering of a JSON error body.
func controllerText(s string) string {
	if strings.HasPrefix(s, "map[error:") && strings.HasSuffix(s, "]") {
		return strings.TrimSuffix(strings.TrimPrefix(s, "map[error:"), "]")
	}
	return s
}
