package sim

import (
	"context"
	"fmt"
	"slices"

	"github.com/mopshq/mops/internal/goals"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/sites"
)

// DemoGoals are the goals each demo site counts, by domain: the shop's
// orders (a revenue goal in the site's currency), add-to-carts, checkouts
// and newsletter signups; the blog's posts read, signups and clicks over
// to the shop.
func DemoGoals(domain, currency string) []goals.Input {
	if domain == "blog.trailhead.example" {
		return []goals.Input{
			{PagePath: "/posts/*", DisplayName: "Read a post"},
			{EventName: "Signup"},
			{EventName: "Outbound Link: Click"},
		}
	}
	return []goals.Input{
		{EventName: "Order Completed", Currency: currency},
		{EventName: "Product Added"},
		{PagePath: "/checkout"},
		{EventName: "Signup"},
	}
}

// ensureGoals gives each demo site the goals it lacks, so a demo made
// before goals existed gets them too.
func ensureGoals(ctx context.Context, d Deps, workspaceID string, ss []sites.Site) error {
	actor := auth.Actor{Type: auth.ActorSystem, Name: "demo generator"}
	for _, s := range ss {
		have, err := d.Goals.List(ctx, s.ID)
		if err != nil {
			return fmt.Errorf("demo goals: %w", err)
		}
		for _, in := range DemoGoals(s.Domain, s.Currency) {
			if slices.ContainsFunc(have, func(g goals.Goal) bool { return g.DisplayName == in.Name() }) {
				continue
			}
			if _, err := d.Goals.Create(ctx, actor, workspaceID, s.ID, in); err != nil {
				return fmt.Errorf("demo goals of %s: %w", s.Domain, err)
			}
		}
	}
	return nil
}
