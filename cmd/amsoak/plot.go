package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strconv"
)

// series is one line of a panel.
type series struct {
	name, color string
	dashed      bool
	values      []float64
}

const (
	plotW, plotH         = 960, 660
	marginL, marginR     = 72, 24
	panelTop1, panelTop2 = 64, 372
	panelH               = 230
)

// plotSVG draws RSS (resident and anonymous) and p99 latency (ingest and read) over time in two
// panels sharing the time axis.
func plotSVG(samples []sample, title string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, sans-serif" font-size="12">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="28" font-size="15" font-weight="600">%s</text>`+"\n", marginL, html.EscapeString(title))

	times := make([]float64, len(samples))
	var rss, anon, file, ingest, read []float64
	for i, s := range samples {
		times[i] = s.at.Seconds()
		rss, anon, file = append(rss, s.rssMB), append(anon, s.anonMB), append(file, s.fileMB)
		ingest, read = append(ingest, s.ingest99), append(read, s.read99)
	}
	unit, div := "s", 1.0
	if len(times) > 0 && times[len(times)-1] > 300 {
		unit, div = "min", 60
	}
	for i := range times {
		times[i] /= div
	}
	panel(&b, panelTop1, "resident memory (MB)", times, unit, []series{
		{"RSS", "#2563eb", false, rss},
		{"anonymous (heap, stacks)", "#16a34a", false, anon},
		{"file-backed (mmap'd db, index)", "#f59e0b", true, file},
	})
	panel(&b, panelTop2, "p99 latency per interval (ms)", times, unit, []series{
		{"ingest", "#dc2626", false, ingest},
		{"reads", "#9333ea", true, read},
	})
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func panel(b *bytes.Buffer, top int, label string, times []float64, unit string, lines []series) {
	left, right, bottom := float64(marginL), float64(plotW-marginR), float64(top+panelH)
	xMax := 1.0
	if len(times) > 0 {
		xMax = niceCeil(times[len(times)-1] * 0.995) // the last sample lands a little after a round time
	}
	yMax := 0.0
	for _, s := range lines {
		for _, v := range s.values {
			yMax = max(yMax, v)
		}
	}
	yMax = niceCeil(yMax * 1.05)
	x := func(t float64) float64 { return left + (right-left)*t/xMax }
	y := func(v float64) float64 { return bottom - float64(panelH)*v/yMax }

	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="600">%s</text>`+"\n", marginL, top-10, html.EscapeString(label))
	for i := 0; i <= 5; i++ {
		v := yMax * float64(i) / 5
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e5e7eb"/>`+"\n", left, right, y(v), y(v))
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#374151">%s</text>`+"\n", left-6, y(v)+4, tickLabel(v))
		t := xMax * float64(i) / 5
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#9ca3af"/>`+"\n", x(t), x(t), bottom, bottom+4)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#374151">%s %s</text>`+"\n", x(t), bottom+17, tickLabel(t), unit)
	}
	fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#374151"/>`+"\n", left, right, bottom, bottom)
	fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" stroke="#374151"/>`+"\n", left, left, top, bottom)
	for i, s := range lines {
		dash := ""
		if s.dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		var pts bytes.Buffer
		for j, v := range s.values {
			if j < len(times) {
				fmt.Fprintf(&pts, "%.1f,%.1f ", x(times[j]), y(v))
			}
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", s.color, dash, bytes.TrimSpace(pts.Bytes()))
		lx := right - 220
		ly := float64(top) + 14 + float64(i)*16
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", lx, lx+24, ly-4, ly-4, s.color, dash)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="#111827">%s</text>`+"\n", lx+30, ly, html.EscapeString(s.name))
	}
}

// niceCeil rounds v up to a round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten)
// that divides into five round ticks; at least 1.
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func tickLabel(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
