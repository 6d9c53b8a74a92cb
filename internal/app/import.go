package app

import (
	"context"

	"github.com/mopshq/mops/internal/collect"
)

// ImportArgs carry one chunk of access-log pageviews to import.
type ImportArgs struct {
	Site string        `json:"site"`
	Salt string        `json:"salt"`
	Hits []collect.Hit `json:"hits"`
}

func (a *App) importHits(ctx context.Context, args ImportArgs) (collect.ImportResult, error) {
	return a.Collect.ImportHits(ctx, args.Site, args.Salt, args.Hits)
}
