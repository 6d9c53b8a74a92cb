package auth

import "slices"

// Role is what a member may do in a workspace.
type Role string

// The roles, from most to least powerful.
const (
	RoleOwner    Role = "owner"
	RoleAdmin    Role = "admin"
	RoleAnalyst  Role = "analyst"
	RoleMarketer Role = "marketer"
	RoleViewer   Role = "viewer"
)

// Roles lists every role, most powerful first.
func Roles() []Role {
	return []Role{RoleOwner, RoleAdmin, RoleAnalyst, RoleMarketer, RoleViewer}
}

// ParseRole returns the role named s, or false.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(Roles(), r)
}

// Describe is a one-line description of the role for people choosing one.
func (r Role) Describe() string {
	switch r {
	case RoleOwner:
		return "Everything, including renaming the workspace and managing owners."
	case RoleAdmin:
		return "Manages sites, members, API keys and reads the audit log; edits all data."
	case RoleAnalyst:
		return "Reads everything, builds analyses (goals, funnels, segments, reports), exports raw data."
	case RoleMarketer:
		return "Reads everything, edits campaigns, spend, CRM records and time entries."
	case RoleViewer:
		return "Reads dashboards and reports; changes nothing."
	}
	return ""
}

// Permission is one thing a role may be allowed to do.
type Permission string

// The permissions. Every route that reads or changes workspace data checks
// exactly one of them.
const (
	PermView          Permission = "view"           // read dashboards, reports, records
	PermEditAnalysis  Permission = "edit_analysis"  // goals, funnels, segments, saved reports, experiments
	PermEditMarketing Permission = "edit_marketing" // campaigns, spend, CRM, forms, time entries
	PermExportRaw     Permission = "export_raw"     // raw event and contact exports
	PermManageSites   Permission = "manage_sites"   // create and configure sites
	PermManageMembers Permission = "manage_members" // invite, change roles, remove
	PermManageKeys    Permission = "manage_keys"    // create and revoke API keys
	PermViewAudit     Permission = "view_audit"     // browse the audit log
	PermManageOwners  Permission = "manage_owners"  // rename the workspace, grant or remove owner
)

// Permissions lists every permission in display order.
func Permissions() []Permission {
	return []Permission{PermView, PermEditAnalysis, PermEditMarketing, PermExportRaw,
		PermManageSites, PermManageMembers, PermManageKeys, PermViewAudit, PermManageOwners}
}

// Grants lists the permissions of the role.
func (r Role) Grants() []Permission {
	switch r {
	case RoleOwner:
		return Permissions()
	case RoleAdmin:
		return []Permission{PermView, PermEditAnalysis, PermEditMarketing, PermExportRaw,
			PermManageSites, PermManageMembers, PermManageKeys, PermViewAudit}
	case RoleAnalyst:
		return []Permission{PermView, PermEditAnalysis, PermExportRaw}
	case RoleMarketer:
		return []Permission{PermView, PermEditMarketing}
	case RoleViewer:
		return []Permission{PermView}
	}
	return nil
}

// Can reports whether the role grants p.
func (r Role) Can(p Permission) bool {
	return slices.Contains(r.Grants(), p)
}

// Scope is what an API key may do.
type Scope string

// The API key scopes.
const (
	ScopeRead   Scope = "read"   // GET endpoints: stats, lists, exports
	ScopeWrite  Scope = "write"  // create and change records
	ScopeIngest Scope = "ingest" // send events, including history older than 30 days
)

// ParseScope returns the scope named s, or false.
func ParseScope(s string) (Scope, bool) {
	sc := Scope(s)
	return sc, sc == ScopeRead || sc == ScopeWrite || sc == ScopeIngest
}
