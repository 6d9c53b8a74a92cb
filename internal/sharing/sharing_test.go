package sharing

import (
	"context"
	"errors"
	"testing"

	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/db"
	"github.com/mopshq/mops/internal/platform/db/dbtest"
)

type noAudit struct{}

func (noAudit) Record(context.Context, db.Querier, string, auth.Actor, string, string, string, any, any) error {
	return nil
}

func TestLinksLifecycle(t *testing.T) {
	ctx := context.Background()
	svc := NewService(dbtest.Open(t), noAudit{}, []byte("secret"))
	actor := auth.CLIActor()
	var ve *auth.ValidationError
	if _, err := svc.Create(ctx, actor, "ws", "site", " ", ""); !errors.As(err, &ve) || ve.Field != "name" {
		t.Errorf("empty name: %v", err)
	}
	if _, err := svc.Create(ctx, actor, "ws", "site", "Agency", "short"); !errors.As(err, &ve) || ve.Field != "password" {
		t.Errorf("short password: %v", err)
	}
	open, err := svc.Create(ctx, actor, "ws", "site", "Board", "")
	if err != nil {
		t.Fatal(err)
	}
	locked, err := svc.Create(ctx, actor, "ws", "site", "Agency", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if open.HasPassword || !locked.HasPassword || len(open.Slug) < 24 || open.Slug == locked.Slug {
		t.Fatalf("links %+v %+v", open, locked)
	}
	got, err := svc.BySlug(ctx, locked.Slug)
	if err != nil || got.ID != locked.ID {
		t.Fatalf("by slug: %+v %v", got, err)
	}
	for pw, want := range map[string]bool{"correct horse": true, "wrong horse": false, "": false} {
		if ok, err := svc.CheckPassword(got, pw); err != nil || ok != want {
			t.Errorf("password %q: %v %v, want %v", pw, ok, err, want)
		}
	}
	if ok, _ := svc.CheckPassword(open, "anything"); !ok {
		t.Error("a link without password refused")
	}
	// The pass is bound to the link: another link's pass does not open it.
	if !svc.ValidPass(got, svc.Pass(got)) || svc.ValidPass(got, svc.Pass(open)) || svc.ValidPass(got, "") {
		t.Error("pass cookie check")
	}
	if err := svc.Revoke(ctx, actor, "ws", "other-site", locked.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke through another site: %v", err)
	}
	if err := svc.Revoke(ctx, actor, "ws", "site", locked.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.BySlug(ctx, locked.Slug); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked link still opens: %v", err)
	}
	if err := svc.Revoke(ctx, actor, "ws", "site", locked.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
	ls, err := svc.List(ctx, "site")
	if err != nil || len(ls) != 2 || ls[0].ID != locked.ID || ls[0].RevokedAt == nil || ls[1].RevokedAt != nil {
		t.Fatalf("list: %+v %v", ls, err)
	}
}
