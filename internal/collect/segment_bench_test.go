package collect

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mopshq/mops/internal/sites"
)

// benchSegmentMessages is how many messages each benchmark body holds.
const benchSegmentMessages = 100

// benchSmallBatch is a /v1/batch body shaped like the load test's: small
// track calls with an anonymousId and one property.
func benchSmallBatch() []byte {
	var b strings.Builder
	b.WriteString(`{"batch":[`)
	for i := range benchSegmentMessages {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"track","anonymousId":"a-%d","event":"Bench","messageId":"run-%d","properties":{"i":%d}}`, i, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// benchSDKBatch is a /v1/batch body as @segment/analytics-node sends it
// from a web backend: tracks (with nested properties and revenue), pages
// and an identify, each with a full context, timestamp and sentAt.
func benchSDKBatch(now time.Time) []byte {
	sentAt := now.Add(-time.Second).Format(time.RFC3339Nano)
	ts := now.Add(-3 * time.Second).Format(time.RFC3339Nano)
	context := `{"library":{"name":"@segment/analytics-node","version":"2.1.3"},` +
		`"userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",` +
		`"ip":"203.0.113.%d","locale":"en-US","timezone":"Europe/Berlin",` +
		`"page":{"url":"https://shop.example/products/%d?ref=mail","path":"/products/%d","referrer":"https://www.google.com/","title":"Product %d"},` +
		`"campaign":{"name":"spring_sale","source":"newsletter","medium":"email","content":"hero"}}`
	var b strings.Builder
	b.WriteString(`{"batch":[`)
	for i := range benchSegmentMessages {
		if i > 0 {
			b.WriteByte(',')
		}
		ctx := fmt.Sprintf(context, i%250, i, i, i)
		switch {
		case i%10 == 9:
			fmt.Fprintf(&b, `{"type":"identify","userId":"user-%d","anonymousId":"7f9c1d2e-%04d-4b7a-9c55-0d1e2f3a4b5c",`+
				`"traits":{"email":"user%d@example.com","name":"Ann Example","plan":"pro","company":{"name":"Acme","employees":42}},`+
				`"context":%s,"integrations":{},"messageId":"node-next-1718000000000-%d","timestamp":%q,"sentAt":%q,`+
				`"_metadata":{"nodeVersion":"20.14.0","jsRuntime":"node"}}`, i, i, i, ctx, i, ts, sentAt)
		case i%5 == 4:
			fmt.Fprintf(&b, `{"type":"page","userId":"user-%d","anonymousId":"7f9c1d2e-%04d-4b7a-9c55-0d1e2f3a4b5c","name":"Product",`+
				`"properties":{"url":"https://shop.example/products/%d","path":"/products/%d","referrer":"https://www.google.com/","title":"Product %d"},`+
				`"context":%s,"integrations":{},"messageId":"node-next-1718000000000-%d","timestamp":%q,"sentAt":%q,`+
				`"_metadata":{"nodeVersion":"20.14.0","jsRuntime":"node"}}`, i, i, i, i, i, ctx, i, ts, sentAt)
		default:
			fmt.Fprintf(&b, `{"type":"track","event":"Order Completed","userId":"user-%d","anonymousId":"7f9c1d2e-%04d-4b7a-9c55-0d1e2f3a4b5c",`+
				`"properties":{"order_id":"o-%d","revenue":59.90,"currency":"eur","coupon":"SPRING","shipping":{"method":"express","cost":4.5},`+
				`"checkout":{"step":3,"payment":{"provider":"card","3ds":true}},"products":[{"sku":"sku-1","price":25.9,"quantity":1},{"sku":"sku-2","price":34,"quantity":1}]},`+
				`"context":%s,"integrations":{},"messageId":"node-next-1718000000000-%d","timestamp":%q,"sentAt":%q,`+
				`"_metadata":{"nodeVersion":"20.14.0","jsRuntime":"node"}}`, i, i, i, ctx, i, ts, sentAt)
		}
	}
	fmt.Fprintf(&b, `],"writeKey":"wk_bench","sentAt":%q}`, sentAt)
	return []byte(b.String())
}

// benchService is a Service without database or event log: enough to turn
// messages that carry a userId or anonymousId into events.
func benchService(b *testing.B) *Service {
	b.Helper()
	s, err := NewService(Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSegmentDecode measures what a /v1/batch request costs before
// publishing: decoding the body and turning every message into an event,
// as postSegment and AcceptSegment do.
func BenchmarkSegmentDecode(b *testing.B) {
	site := &sites.Site{ID: "s_bench", Domain: "shop.example", Currency: "EUR", WriteKey: "wk_bench"}
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"small", benchSmallBatch()},
		{"sdk", benchSDKBatch(time.Now().UTC())},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := benchService(b)
			ctx := context.Background()
			decode := func() {
				call, _, err := decodeSegmentCall(bc.body, "")
				if err != nil {
					b.Fatal(err)
				}
				call.Site = site
				evs, dropped, err := s.buildSegmentEvents(ctx, call)
				if err != nil {
					b.Fatal(err)
				}
				if len(evs)+dropped != benchSegmentMessages {
					b.Fatalf("%d events and %d dropped, want %d in all", len(evs), dropped, benchSegmentMessages)
				}
			}
			decode() // fill the user agent cache
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.SetBytes(int64(len(bc.body)))
			b.ResetTimer()
			for b.Loop() {
				decode()
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			msgs := float64(b.N * benchSegmentMessages)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/msgs, "ns/msg")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/msgs, "allocs/msg")
		})
	}
}
