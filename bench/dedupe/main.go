// Command dedupe measures the CRM's duplicate detection (internal/crm/dedupe)
// on synthetic contacts with planted duplicates: time, peak heap, pairs
// found, and precision and recall against the planted pairs.
//
//	go run ./bench/dedupe -n 1000000
package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/mopshq/mops/internal/crm/dedupe"
	"github.com/mopshq/mops/internal/crm/dedupe/synth"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dedupe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1_000_000, "records to generate")
	seed := fs.Uint64("seed", 1, "generator seed")
	minSim := fs.Float64("min-sim", 0, "Options.MinNameSimilarity (0: default)")
	maxBlock := fs.Int("max-block", 0, "Options.MaxBlock (0: default)")
	window := fs.Int("window", 0, "Options.Window (0: default)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *n < 2 {
		fmt.Fprintln(stderr, "dedupe: -n must be at least 2")
		return 2
	}

	start := time.Now()
	recs, planted := synth.Generate(*n, *seed)
	fmt.Fprintf(stdout, "generated %d records, %d planted duplicates in %v\n", len(recs), len(planted), time.Since(start).Round(time.Millisecond))

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := watchHeap()
	opt := dedupe.Options{MinNameSimilarity: *minSim, MaxBlock: *maxBlock, Window: *window}
	start = time.Now()
	pairs := dedupe.Find(recs, opt)
	elapsed := time.Since(start)
	peakHeap := peak()

	fmt.Fprintf(stdout, "cpus:        %d (GOMAXPROCS %d)\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "find:        %v (%.0f records/s)\n", elapsed.Round(time.Millisecond), float64(len(recs))/elapsed.Seconds())
	fmt.Fprintf(stdout, "heap:        %.0f MiB before Find (the records), peak %.0f MiB during Find (+%.0f MiB)\n",
		mib(before.HeapAlloc), mib(peakHeap), mib(peakHeap-min(peakHeap, before.HeapAlloc)))
	fmt.Fprintf(stdout, "pairs:       %d\n", len(pairs))
	printQuality(stdout, pairs, planted)
	return 0
}

// watchHeap samples HeapAlloc every 5 ms until the returned function is
// called, which returns the highest sample (and a final one).
func watchHeap() func() uint64 {
	stop := make(chan struct{})
	done := make(chan uint64)
	go func() {
		var peak uint64
		var m runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		return <-done
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func printQuality(w io.Writer, pairs []dedupe.Pair, planted []synth.Planted) {
	type ab struct{ a, b string }
	truth := make(map[ab]synth.Kind, len(planted))
	var total [3]int
	for _, p := range planted {
		truth[ab{p.A, p.B}] = p.Kind
		total[p.Kind]++
	}
	var found [3]int
	hits := 0
	type tally struct{ pairs, hits int }
	byReasons := map[string]*tally{}
	for _, p := range pairs {
		key := fmt.Sprint(p.Reasons)
		t := byReasons[key]
		if t == nil {
			t = &tally{}
			byReasons[key] = t
		}
		t.pairs++
		if k, ok := truth[ab{p.A, p.B}]; ok {
			hits++
			t.hits++
			found[k]++
		}
	}
	fmt.Fprintf(w, "precision:   %.4f (%d of %d pairs are planted)\n", ratio(hits, len(pairs)), hits, len(pairs))
	keys := slices.Sorted(maps.Keys(byReasons))
	for _, k := range keys {
		t := byReasons[k]
		fmt.Fprintf(w, "  %-46s %.4f (%d of %d)\n", k, ratio(t.hits, t.pairs), t.hits, t.pairs)
	}
	fmt.Fprintf(w, "recall:      %.4f (%d of %d planted pairs found)\n", ratio(hits, len(planted)), hits, len(planted))
	for k := synth.KindEmail; k <= synth.KindName; k++ {
		fmt.Fprintf(w, "  planted by %-5s %.4f (%d of %d)\n", k, ratio(found[k], total[k]), found[k], total[k])
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
