package contract

import (
	"math"
	"testing"
)

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"12", 12, true},
		{"  12abc", 12, true},
		{"\t\n\u00a0\ufeff7", 7, true},
		{"-5", -5, true},
		{"+7", 7, true},
		{"007", 7, true},
		{"0", 0, true},
		{"-0", 0, true},
		{"1.9", 1, true},
		{"1e3", 1, true},
		{"0x10", 0, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"9223372036854775808", math.MaxInt64, true},
		{"99999999999999999999999", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"-99999999999999999999999", math.MinInt64, true},
		{"", 0, false},
		{"   ", 0, false},
		{"abc", 0, false},
		{"-", 0, false},
		{"+", 0, false},
		{"- 5", 0, false},
		{".5", 0, false},
		{"Infinity", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseInt(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got (%d, %v), want (%d, %v)", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"12", 12, true},
		{" 1.5 ", 1.5, true},
		{"\u00a01.5\u3000", 1.5, true},
		{"1e3", 1000, true},
		{"1E-2", 0.01, true},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"+2", 2, true},
		{"-2.5", -2.5, true},
		{"+.5", 0.5, true},
		{"", 0, true},
		{"  ", 0, true},
		{"0x10", 16, true},
		{"0X1f", 31, true},
		{"0o17", 15, true},
		{"0b101", 5, true},
		{"0x10000000000000001", 18446744073709551616, true},
		{"007", 7, true},
		{"1e-400", 0, true},
		{"12abc", 0, false},
		{"abc", 0, false},
		{"1e", 0, false},
		{"1e+", 0, false},
		{".", 0, false},
		{"-", 0, false},
		{"1_000", 0, false},
		{"1,5", 0, false},
		{"1 2", 0, false},
		{"0x", 0, false},
		{"0xg", 0, false},
		{"-0x10", 0, false},
		{"0x_1", 0, false},
		{"0b2", 0, false},
		{"Infinity", 0, false},
		{"-Infinity", 0, false},
		{"NaN", 0, false},
		{"1e400", 0, false},
		{"inf", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseNumber(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got (%v, %v), want (%v, %v)", got, ok, tc.want, tc.ok)
			}
		})
	}
}
