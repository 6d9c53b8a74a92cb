// Package e2e holds end-to-end tests that drive mops from outside: the built binary and a real browser.
package e2e
