package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

func TestPct(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(201-i)*time.Millisecond)
	}
	f := func(p, want float64) {
		t.Helper()
		if got := pct(d, p); got != want {
			t.Errorf("p%v = %v ms, want %v", p, got, want)
		}
	}
	f(50, 100)
	f(99, 198)
	f(100, 200)
	if pct(nil, 99) != 0 {
		t.Error("percentile of nothing")
	}
}

func TestFifths(t *testing.T) {
	var samples []sample
	for i := 1; i <= 10; i++ {
		samples = append(samples, sample{at: time.Duration(i) * 10 * time.Second, anonMB: float64(i)})
	}
	first, last := fifths(samples, 100*time.Second, func(s sample) float64 { return s.anonMB })
	if first != 1.5 || last != 9 { // 10 s, 20 s; then 80 s, 90 s, 100 s
		t.Errorf("fifths %v, %v; want 1.5, 9", first, last)
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{{0, 1}, {1, 1}, {1.2, 1.5}, {60, 60}, {61, 80}, {73.2, 80}, {30, 30}, {9.5, 10}, {101, 150}} {
		if got := niceCeil(tc.in); got != tc.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestPlotSVG: the plot is well-formed XML with one polyline per series, and escapes the title.
func TestPlotSVG(t *testing.T) {
	var samples []sample
	for i := 1; i <= 12; i++ {
		samples = append(samples, sample{at: time.Duration(i) * 10 * time.Second, rssMB: 40 + float64(i), anonMB: 20,
			fileMB: 20 + float64(i), ingest99: 5, read99: 7})
	}
	b := plotSVG(samples, `soak <1> & "2"`)
	d := xml.NewDecoder(bytes.NewReader(b))
	lines, texts := 0, ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, b)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "polyline" {
				lines++
				for _, a := range tok.Attr {
					if a.Name.Local == "points" && len(strings.Fields(a.Value)) != len(samples) {
						t.Errorf("a line of %d points, want %d", len(strings.Fields(a.Value)), len(samples))
					}
				}
			}
		case xml.CharData:
			texts += string(tok)
		}
	}
	if lines != 5 || !strings.Contains(texts, `soak <1> & "2"`) || !strings.Contains(texts, "120 s") {
		t.Errorf("%d lines; text %q", lines, texts)
	}
}
