package goals

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
)

func TestPathPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"/pricing", []string{"/pricing"}, []string{"/pricing/", "/pricing/x", "/xpricing"}},
		{"/blog/*", []string{"/blog/", "/blog/a", "/blog/a-b.html"}, []string{"/blog", "/blog/a/b"}},
		{"/docs/**", []string{"/docs/", "/docs/a/b/c"}, []string{"/doc"}},
		{"/p*", []string{"/p", "/pricing"}, []string{"/pricing/x", "/blog"}},
		{"/a.b+(c)", []string{"/a.b+(c)"}, []string{"/aXb+(c)", "/a.bb(c)"}},
		{"/*/checkout", []string{"/de/checkout"}, []string{"/checkout", "/de/x/checkout"}},
	} {
		re := regexp.MustCompile(PathPattern(tc.pattern))
		for _, p := range tc.match {
			if !re.MatchString(p) {
				t.Errorf("%s should match %s (%s)", tc.pattern, p, re)
			}
		}
		for _, p := range tc.miss {
			if re.MatchString(p) {
				t.Errorf("%s should not match %s (%s)", tc.pattern, p, re)
			}
		}
	}
}

type noAudit struct{}

func (noAudit) Record(context.Context, db.Querier, string, auth.Actor, string, string, string, any, any) error {
	return nil
}

func TestCreateListDelete(t *testing.T) {
	ctx := context.Background()
	svc := NewService(dbtest.Open(t), noAudit{})
	actor := auth.CLIActor()
	for _, tc := range []struct {
		in    Input
		field string
	}{
		{Input{}, "event_name"},
		{Input{PagePath: "/a", EventName: "b"}, "page_path"},
		{Input{PagePath: "pricing"}, "page_path"},
		{Input{EventName: "pageview"}, "event_name"},
		{Input{PagePath: "/a", Currency: "EUR"}, "currency"},
		{Input{EventName: "Order", Currency: "EURO"}, "currency"},
	} {
		var ve *auth.ValidationError
		if _, err := svc.Create(ctx, actor, "ws", "site", tc.in); !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%+v: got %v, want an error on %s", tc.in, err, tc.field)
		}
	}
	order, err := svc.Create(ctx, actor, "ws", "site", Input{EventName: " Order Completed ", Currency: "eur"})
	if err != nil {
		t.Fatal(err)
	}
	if order.DisplayName != "Order Completed" || order.Currency != "EUR" || order.EventName != "Order Completed" {
		t.Errorf("created %+v", order)
	}
	if _, err := svc.Create(ctx, actor, "ws", "site", Input{PagePath: "/thanks"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, actor, "ws", "site", Input{PagePath: "/x", DisplayName: "Order Completed"}); !errors.Is(err, ErrNameTaken) {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := svc.Create(ctx, actor, "ws", "other-site", Input{EventName: "Order Completed"}); err != nil {
		t.Errorf("same name on another site: %v", err)
	}
	gs, err := svc.List(ctx, "site")
	if err != nil || len(gs) != 2 || gs[0].DisplayName != "Order Completed" || gs[1].DisplayName != "Visit /thanks" {
		t.Fatalf("list: %+v %v", gs, err)
	}
	if err := svc.Delete(ctx, actor, "ws", "other-site", order.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete through another site: %v", err)
	}
	if err := svc.Delete(ctx, actor, "ws", "site", order.ID); err != nil {
		t.Fatal(err)
	}
	if gs, _ := svc.List(ctx, "site"); len(gs) != 1 {
		t.Errorf("after delete: %+v", gs)
	}
}
