package accesslog

import "strings"

// Reasons IsPageview gives for a hit that is not a pageview.
const (
	SkipMethod   = "method"   // anything but GET (HEAD comes from monitors and link checkers)
	SkipStatus   = "status"   // not 2xx and not 304
	SkipPath     = "path"     // robots, sitemaps, health checks, APIs, the tracker script, WordPress probes
	SkipAsset    = "asset"    // stylesheet, script, image, font or media file
	SkipDownload = "download" // a file download (see IsDownload); import it as a download, not a pageview
)

// IsPageview reports whether h looks like a person loading a page, and if
// not, which Skip constant ruled it out. Checks run in the order method,
// status, path, asset, download, so a failed POST to a PDF is "method".
// Path and extension matching ignore case. It does not look at the user
// agent: telling bots apart is left to the caller.
func IsPageview(h Hit) (bool, string) {
	if h.Method != "GET" {
		return false, SkipMethod
	}
	if !(h.Status >= 200 && h.Status <= 299 || h.Status == 304) {
		return false, SkipStatus
	}
	if isWellKnownPath(h.Path) {
		return false, SkipPath
	}
	switch ext := extension(h.Path); ext {
	case "css", "js", "mjs", "map",
		"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico",
		"woff", "woff2", "ttf", "otf", "eot",
		"mp4", "webm", "mp3":
		return false, SkipAsset
	}
	if IsDownload(h) {
		return false, SkipDownload
	}
	return true, ""
}

// IsDownload reports whether h's path names a downloadable file by its
// extension (.pdf .zip .dmg .exe .csv .xlsx .docx .pptx .gz .tar, any case).
// It looks at the path only; combine it with IsPageview's method and status
// checks (its reason is SkipDownload exactly when those passed).
func IsDownload(h Hit) bool {
	switch extension(h.Path) {
	case "pdf", "zip", "dmg", "exe", "csv", "xlsx", "docx", "pptx", "gz", "tar":
		return true
	}
	return false
}

// extension returns the lower-cased extension of the last path segment,
// without the dot, or "" when there is none.
func extension(path string) string {
	seg := path[strings.LastIndexByte(path, '/')+1:]
	dot := strings.LastIndexByte(seg, '.')
	if dot < 0 || dot == len(seg)-1 {
		return ""
	}
	ext := seg[dot+1:]
	if len(ext) > 5 { // longer than any we know: skip the lowering
		return ""
	}
	for k := 0; k < len(ext); k++ {
		if 'A' <= ext[k] && ext[k] <= 'Z' {
			return strings.ToLower(ext)
		}
	}
	return ext
}

// isWellKnownPath reports whether path is one that crawlers, monitors,
// scripts or attackers request rather than readers.
func isWellKnownPath(path string) bool {
	switch {
	case strings.EqualFold(path, "/favicon.ico"),
		strings.EqualFold(path, "/robots.txt"),
		strings.EqualFold(path, "/wp-login.php"),
		strings.EqualFold(path, "/xmlrpc.php"),
		strings.EqualFold(path, "/healthz"),
		strings.EqualFold(path, "/metrics"),
		strings.EqualFold(path, "/js/script.js"),
		inDir(path, "/.well-known"),
		inDir(path, "/wp-admin"),
		inDir(path, "/api"):
		return true
	}
	// /sitemap.xml, /sitemap_index.xml, /sitemap-posts-1.xml, /sitemap.xml.gz
	return hasPrefixFold(path, "/sitemap") &&
		(hasSuffixFold(path, ".xml") || hasSuffixFold(path, ".xml.gz"))
}

// inDir reports whether path is dir itself or below it.
func inDir(path, dir string) bool {
	if !hasPrefixFold(path, dir) {
		return false
	}
	return len(path) == len(dir) || path[len(dir)] == '/'
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
