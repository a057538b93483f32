package e2e

import (
	"strconv"
	"strings"
)

func itoa(i int) string      { return strconv.Itoa(i) }
func join(s []string) string { return strings.Join(s, ", ") }
