package vstree

import "golang.org/x/time/rate"

// newLimiter bounds the overall retry rate of one queue (10 per second, bursts of 100),
// so many failing keys cannot flood the Controller.
func newLimiter() *rate.Limiter { return rate.NewLimiter(rate.Limit(10), 100) }
