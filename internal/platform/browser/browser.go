// Package browser starts headless Chromium for the project's browser
// tests, with the flags that keep it quiet and off the network, so every
// test drives the browser the same way.
package browser

import (
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// ExecPath finds Chromium (Debian's package `chromium` first), or "".
func ExecPath() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Required reports what a test without a browser must do: in CI
// (CI=true) a missing browser is a failure, elsewhere the test is skipped.
func Required() (mustFail bool) { return os.Getenv("CI") == "true" }

// AllocatorOptions are the flags for a headless Chromium at execPath with
// its profile in profileDir, plus extra.
func AllocatorOptions(execPath, profileDir string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profileDir),
		chromedp.WindowSize(1280, 900),
	}
	return append(opts, extra...)
}
