package pricing_test

import (
	"fmt"

	"github.com/agentmonitor/agentmonitor/pricing"
)

func Example() {
	tab := pricing.Default()

	// Prefixes are stripped; o3 is $2 in / $8 out per million tokens.
	cost, ok := tab.Cost("openai/o3", 250_000, 125_000, 0, 0)
	fmt.Printf("%.4f %v\n", cost, ok)

	// Aliases resolve to the canonical model.
	r, _ := tab.Lookup("sonnet")
	fmt.Println(r.Model, r.Input, r.Output)

	// Unknown models are not priced.
	_, ok = tab.Cost("totally-unknown-model", 1000, 1000, 0, 0)
	fmt.Println(ok)
	// Output:
	// 1.5000 true
	// claude-sonnet-4-20250514 3 15
	// false
}
