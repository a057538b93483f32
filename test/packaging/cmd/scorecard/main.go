// Command scorecard runs the basic and OLM scorecard tests of the upstream scorecard-test
// binary against a bundle directory offline (see package scorecardrun) and prints each
// result. It exits 1 when a test does not pass or leaves an error or suggestion.
//
//	go run ./test/packaging/cmd/scorecard -bundle bundle -binary bin/scorecard-test
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/akoproject/ako/test/packaging/scorecardrun"
)

func main() {
	bundle := flag.String("bundle", "bundle", "bundle directory")
	binary := flag.String("binary", "bin/scorecard-test", "scorecard-test binary")
	flag.Parse()

	root, err := scorecardrun.Prepare(*bundle, *binary)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer root.Close()

	failed := false
	for _, test := range scorecardrun.BuiltinTests {
		status, err := root.Run(test)
		if err != nil {
			fmt.Printf("%-26s ERROR %v\n", test, err)
			failed = true
			continue
		}
		problems := scorecardrun.Problems(status)
		state := "pass"
		if len(problems) > 0 {
			state = "FAIL"
			failed = true
		}
		fmt.Printf("%-26s %s\n", test, state)
		for _, p := range problems {
			fmt.Printf("    %s\n", p)
		}
	}
	if failed {
		root.Close()
		os.Exit(1)
	}
}
