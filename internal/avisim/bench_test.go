package avisim_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmware/alb-sdk/go/models"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
)

// akoPool is shaped like the pools AKO writes (refs, servers, markers, metadata).
func akoPool(i int) map[string]any {
	return map[string]any{
		"name":                fmt.Sprintf("cluster--default-app-%d-80-pool", i),
		"cloud_config_cksum":  fmt.Sprint(i),
		"created_by":          "ako-cluster",
		"service_metadata":    `{"namespace_ingress_name":null,"ingress_name":"","namespace":"default"}`,
		"vrf_ref":             "/api/vrfcontext?name=global",
		"health_monitor_refs": []any{"/api/healthmonitor/?name=System-TCP"},
		"markers":             []any{map[string]any{"key": "clustername", "values": []any{"cluster"}}},
		"servers": []any{
			map[string]any{"ip": map[string]any{"addr": "10.244.1.10", "type": "V4"}, "port": 8080, "enabled": true},
			map[string]any{"ip": map[string]any{"addr": "10.244.2.10", "type": "V4"}, "port": 8080, "enabled": true},
		},
	}
}

// viaJSON round-trips v through JSON so the stored maps own freshly decoded strings, as
// objects written over HTTP do.
func viaJSON(b *testing.B, v map[string]any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		b.Fatal(err)
	}
	return out
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkSDKCreate measures pool creation through the real SDK over HTTPS.
func BenchmarkSDKCreate(b *testing.B) {
	sim := avisimtest.Start(b, avisim.Options{})
	c := sim.Client(b)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		p := &models.Pool{Name: ptr(fmt.Sprintf("pool-%d", i)), CreatedBy: ptr("ako-cluster"), CloudConfigCksum: ptr("1"),
			VrfRef:  ptr("/api/vrfcontext?name=global"),
			Servers: []*models.Server{{IP: &models.IPAddr{Addr: ptr("10.244.1.10"), Type: ptr("V4")}, Port: ptr(int32(8080))}}}
		if _, err := c.Pool.Create(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "objects/s")
}

// bigStore is one simulator holding 50,000 AKO-shaped pools, shared by the read benchmarks so
// the ramp-up runs of b.N do not rebuild it.
var bigStore struct {
	once  sync.Once
	sim   *avisimtest.Sim
	uuids []string
}

const bigN = 50_000

func bigSim(b *testing.B) *avisimtest.Sim {
	bigStore.once.Do(func() {
		srv, err := avisim.New(avisim.Options{Password: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < bigN; i++ {
			p := akoPool(i)
			if i%100 == 0 {
				p["created_by"] = "ako-other"
			}
			if err := srv.SetObject("pool", p); err != nil {
				b.Fatal(err)
			}
		}
		for _, o := range srv.Objects("pool") {
			bigStore.uuids = append(bigStore.uuids, o["uuid"].(string))
		}
		ts := httptest.NewTLSServer(srv) // lives for the whole benchmark binary
		bigStore.sim = &avisimtest.Sim{Server: srv, URL: ts.URL, Host: strings.TrimPrefix(ts.URL, "https://"),
			Username: "admin", Password: "bench", Version: avisim.DefaultVersion}
	})
	return bigStore.sim
}

// BenchmarkSDKGet measures GET by uuid and by name (alternating) through the SDK over HTTPS
// with 50,000 pools stored: both lookups go through indexes, so size does not matter.
func BenchmarkSDKGet(b *testing.B) {
	sim := bigSim(b)
	c := sim.Client(b)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		k := (i * 7919) % bigN
		if i%2 == 0 {
			if _, err := c.Pool.Get(bigStore.uuids[k]); err != nil {
				b.Fatal(err)
			}
		} else if _, err := c.Pool.GetByName(fmt.Sprintf("cluster--default-app-%d-80-pool", k)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "objects/s")
}

// BenchmarkCreatedByQuery measures AKO's boot query (created_by, 100 per page, include_name)
// against 50,000 pools of which 500 match.
func BenchmarkCreatedByQuery(b *testing.B) {
	sim := bigSim(b)
	c := sim.Client(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := c.AviSession.GetCollectionRaw("api/pool?created_by=ako-other&page_size=100&include_name=true")
		if err != nil || res.Count != bigN/100 {
			b.Fatalf("count %d, %v", res.Count, err)
		}
	}
}

// BenchmarkStoreMemory50k reports the heap held by a store of 50,000 AKO-shaped pools
// (runtime.ReadMemStats after GC) and the in-process write rate.
func BenchmarkStoreMemory50k(b *testing.B) {
	var perObject, total float64
	var rate float64
	for i := 0; i < b.N; i++ {
		before := heapInUse()
		srv, err := avisim.New(avisim.Options{Password: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for j := 0; j < bigN; j++ {
			if err := srv.SetObject("pool", viaJSON(b, akoPool(j))); err != nil {
				b.Fatal(err)
			}
		}
		rate = bigN / time.Since(start).Seconds()
		after := heapInUse()
		runtime.KeepAlive(srv)
		total = float64(after) - float64(before)
		perObject = total / bigN
	}
	b.ReportMetric(total/(1<<20), "store-MiB@50k")
	b.ReportMetric(perObject, "store-B/object")
	b.ReportMetric(rate, "objects/s")
}
