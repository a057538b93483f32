#!/usr/bin/env bash
# Runs the six basic/OLM scorecard tests of the real scorecard-test binary (operator-sdk
# images/scorecard-test, built by hack/tools) against bundle/, offline: the binary reads the
# bundle at /bundle, so each test runs in a chroot of a temporary root (needs root).
# Prints every result; exits 1 if a test fails or leaves an error or a suggestion.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
exec go run ./test/packaging/cmd/scorecard -bundle "${1:-bundle}" -binary "${SCORECARD_TEST:-bin/scorecard-test}"
