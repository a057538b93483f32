package avisim_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/vmware/alb-sdk/go/clients"
	"github.com/vmware/alb-sdk/go/models"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
)

// TestConcurrentClients mirrors AKO's boot: 9 clients log in at once and write in parallel.
// Every VIP must be distinct and every object accounted for (run with -race).
func TestConcurrentClients(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{StateFile: t.TempDir() + "/state.json"})
	const workers, each = 9, 8
	cs := make([]*clients.AviClient, workers)
	var wg sync.WaitGroup
	for w := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); cs[w] = sim.Client(t) }()
	}
	wg.Wait()
	errs := make(chan error, workers*each*3)
	addrs := make(chan string, workers*each)
	for w, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				name := fmt.Sprintf("w%d-%d", w, i)
				if _, err := c.Pool.Create(&models.Pool{Name: ptr(name), CreatedBy: ptr("ako-c")}); err != nil {
					errs <- err
					continue
				}
				v, err := c.VsVip.Create(&models.VsVip{Name: ptr(name), Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}})
				if err != nil {
					errs <- err
					continue
				}
				addrs <- *v.Vip[0].IPAddress.Addr
				if _, err := c.Pool.GetByName(name); err != nil {
					errs <- err
				}
				_ = sim.Snapshot() // readers of the whole store run alongside writers
				_ = sim.Objects("no-such-kind")
				if _, err := c.VSDataScriptSet.GetAll(); err != nil { // a kind nobody wrote yet
					errs <- err
				}
				_, _ = sim.Object("pool", name)
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(addrs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for a := range addrs {
		if seen[a] {
			t.Fatalf("address %s handed out twice", a)
		}
		seen[a] = true
	}
	if len(seen) != workers*each || len(sim.Objects("pool")) != workers*each {
		t.Fatalf("%d addresses, %d pools; want %d", len(seen), len(sim.Objects("pool")), workers*each)
	}
	if got := sim.Counts()["POST pool"]; got != workers*each {
		t.Fatalf("POST pool count = %d", got)
	}
}
