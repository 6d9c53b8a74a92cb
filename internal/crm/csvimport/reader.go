package csvimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Limits of a file NewReader and Next accept.
const (
	MaxColumns   = 500      // columns in the header
	MaxValueSize = 64 << 10 // bytes in one value, after decoding to UTF-8
)

// sniffSize is how much of the file the encoding and delimiter are
// guessed from.
const sniffSize = 64 << 10

// ErrNotText means the file is not CSV text: a spreadsheet workbook or
// some other binary file. NewReader's error wraps it with what the file
// looks like and what to do.
var ErrNotText = errors.New("not a CSV text file")

// Row is one record of the file, mapped.
type Row struct {
	Line   int               // 1-based physical line where the record starts (a quoted newline makes a record span lines)
	Values map[string]string // field key → trimmed value; only mapped, non-empty values
	Props  map[string]string // custom property key → trimmed value; only non-empty values
}

// RowError is a record that cannot be read: malformed CSV, the wrong
// number of fields, a value too long or not valid text. The records after
// it can still be read.
type RowError struct {
	Line    int    // where the record starts
	Column  string // header of the offending column, or ""
	Message string
}

// Error returns `line 12: column "Email": ...`, or `line 12: ...` when the
// error is not about one column.
func (e RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d: column %q: %s", e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

// Reader streams the records of a CSV file.
type Reader struct {
	cr         *csv.Reader
	headers    []string
	encoding   string
	delim      rune
	checkUTF8  bool // the input is not decoded, so a value may be invalid UTF-8
	lineOffset int  // lines consumed before the csv.Reader started (a "sep=" line)
}

// NewReader sniffs the encoding and the delimiter from the start of r and
// reads the header row. It refuses a file that is not CSV text (wrapping
// ErrNotText), one with no header and one with more than MaxColumns
// columns. A header cell with no name is called "column N" (N from 1).
func NewReader(r io.Reader) (*Reader, error) {
	raw := bufio.NewReaderSize(r, sniffSize)
	head, err := raw.Peek(sniffSize)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	if len(head) == 0 {
		return nil, errors.New("the file is empty")
	}
	text, enc, err := decoder(raw, head, err == io.EOF)
	if err != nil {
		return nil, err
	}

	// The delimiter is sniffed from the decoded text. For plain UTF-8,
	// text is raw and NewReaderSize returns it as is.
	br := bufio.NewReaderSize(text, sniffSize)
	start, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	rd := &Reader{encoding: enc, checkUTF8: enc == "utf-8" || enc == "utf-8 with BOM"}
	// Excel reads, and some tools write, a first line "sep=;" that names
	// the delimiter.
	if d, n := sepLine(start); n > 0 {
		rd.delim = d
		rd.lineOffset = 1
		if _, err := br.Discard(n); err != nil {
			return nil, fmt.Errorf("read csv: %w", err)
		}
	} else {
		rd.delim = sniffDelimiter(start)
	}

	rd.cr = csv.NewReader(br)
	rd.cr.Comma = rd.delim
	rd.cr.FieldsPerRecord = -1 // counts are checked in Next, to report them per row
	rd.cr.ReuseRecord = true
	// Allow `a, "b"`. Not with tabs: csv would take a tab as leading
	// space and merge empty fields.
	rd.cr.TrimLeadingSpace = rd.delim != '\t'

	rec, err := rd.cr.Read()
	if err == io.EOF {
		return nil, errors.New("the file has no header row")
	}
	if err != nil {
		return nil, rd.recordError(err)
	}
	line, _ := rd.cr.FieldPos(0)
	line += rd.lineOffset
	if len(rec) > MaxColumns {
		return nil, &RowError{Line: line, Message: fmt.Sprintf("the header has %d columns, at most %d are allowed", len(rec), MaxColumns)}
	}
	rd.headers = make([]string, len(rec))
	named := false
	for i, h := range rec {
		h = strings.TrimSpace(h)
		if rd.checkUTF8 && !utf8.ValidString(h) {
			return nil, &RowError{Line: line, Message: "the header is not valid UTF-8 text: save the file as CSV UTF-8"}
		}
		if h == "" {
			h = "column " + strconv.Itoa(i+1)
		} else {
			named = true
		}
		rd.headers[i] = h
	}
	if !named {
		return nil, &RowError{Line: line, Message: "the header row has no column names"}
	}
	return rd, nil
}

// Headers returns the header row, trimmed, in file order. The slice is
// shared; don't modify it.
func (r *Reader) Headers() []string { return r.headers }

// Encoding returns the encoding the file was read in: "utf-8",
// "utf-8 with BOM", "utf-16le", "utf-16be" or "windows-1252".
func (r *Reader) Encoding() string { return r.encoding }

// Delimiter returns the field delimiter: ',', ';', '\t' or '|'.
func (r *Reader) Delimiter() rune { return r.delim }

// Next reads the next record and maps it with m, which should have passed
// Validate. It skips lines that are empty or hold only delimiters and
// spaces. At the end of the file it returns io.EOF. A record that cannot
// be read returns a *RowError, and the following call reads the record
// after it. Any other error (reading r, a column index beyond the
// header) ends the import.
func (r *Reader) Next(m Mapping) (Row, error) {
	for {
		rec, err := r.cr.Read()
		if err == io.EOF {
			return Row{}, io.EOF
		}
		if err != nil {
			return Row{}, r.recordError(err)
		}
		if blank(rec) {
			continue
		}
		line, _ := r.cr.FieldPos(0)
		line += r.lineOffset
		if len(rec) != len(r.headers) {
			return Row{}, &RowError{Line: line, Message: fmt.Sprintf("the row has %d %s, the header has %d", len(rec), plural(len(rec), "field"), len(r.headers))}
		}

		row := Row{Line: line, Values: make(map[string]string, len(m.Columns)), Props: make(map[string]string)}
		for _, c := range m.Columns {
			if c.Ignore {
				continue
			}
			if c.Index < 0 || c.Index >= len(rec) {
				return Row{}, fmt.Errorf("csvimport: mapping column %q has index %d, the file has %d columns", c.Header, c.Index, len(rec))
			}
			v := strings.TrimSpace(rec[c.Index])
			if v == "" {
				continue
			}
			if len(v) > MaxValueSize {
				return Row{}, &RowError{Line: line, Column: r.headers[c.Index], Message: fmt.Sprintf("the value is %d bytes long, at most %d are allowed", len(v), MaxValueSize)}
			}
			// Only the first 64 KB were checked when the encoding was
			// chosen; later invalid UTF-8 would be stored garbled.
			if r.checkUTF8 && !utf8.ValidString(v) {
				return Row{}, &RowError{Line: line, Column: r.headers[c.Index], Message: "the value is not valid UTF-8 text: save the file as CSV UTF-8"}
			}
			if c.Field != "" {
				row.Values[c.Field] = v
			} else if c.Property != "" {
				row.Props[c.Property] = v
			}
		}
		return row, nil
	}
}

// recordError turns an error of csv.Reader.Read into a *RowError when it
// is about the record (the reader can go on), or wraps it.
func (r *Reader) recordError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read csv: %w", err)
	}
	var msg string
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = `a " appears in a value that is not in quotes: put the value in double quotes and double the " inside it`
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = `a quoted value is not closed properly: after the closing " must come the delimiter or the end of the line`
	default:
		msg = pe.Err.Error()
	}
	if pe.Line != pe.StartLine {
		msg += fmt.Sprintf(" (found on line %d)", pe.Line+r.lineOffset)
	}
	return &RowError{Line: pe.StartLine + r.lineOffset, Message: msg}
}

// decoder chooses the encoding from head, the first bytes of raw, and
// returns raw decoded to UTF-8. atEOF says head is the whole file.
func decoder(raw *bufio.Reader, head []byte, atEOF bool) (io.Reader, string, error) {
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		if _, err := raw.Discard(3); err != nil {
			return nil, "", fmt.Errorf("read csv: %w", err)
		}
		return raw, "utf-8 with BOM", nil
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		return transform.NewReader(raw, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), "utf-16le", nil
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return transform.NewReader(raw, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()), "utf-16be", nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil, "", fmt.Errorf("the file is a ZIP archive such as an Excel workbook (.xlsx), %w: save it as CSV UTF-8 first", ErrNotText)
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return nil, "", fmt.Errorf("the file is an old Excel workbook (.xls), %w: save it as CSV UTF-8 first", ErrNotText)
	case bytes.IndexByte(head, 0) >= 0:
		return nil, "", fmt.Errorf("the file contains NUL bytes, it is binary or UTF-16 without a byte order mark, %w: save it as CSV UTF-8", ErrNotText)
	case validUTF8(head, atEOF):
		return raw, "utf-8", nil
	case looksBinary(head):
		return nil, "", fmt.Errorf("the file contains control characters, %w: save it as CSV UTF-8", ErrNotText)
	}
	// Not UTF-8 text: most likely Excel on Windows, which writes the
	// ANSI code page, Windows-1252 in Western Europe and the Americas.
	return transform.NewReader(raw, charmap.Windows1252.NewDecoder()), "windows-1252", nil
}

// validUTF8 reports whether head is valid UTF-8. Unless head is the whole
// file, a rune cut at its end is not held against it.
func validUTF8(head []byte, atEOF bool) bool {
	if !atEOF {
		for i := 1; i <= utf8.UTFMax-1 && i <= len(head); i++ {
			if utf8.RuneStart(head[len(head)-i]) {
				if !utf8.FullRune(head[len(head)-i:]) {
					head = head[:len(head)-i]
				}
				break
			}
		}
	}
	return utf8.Valid(head)
}

// looksBinary reports whether more than 1% of b are control characters that
// text does not contain (all but tab, newline, form feed and carriage
// return).
func looksBinary(b []byte) bool {
	n := 0
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r') || c == 0x7F {
			n++
		}
	}
	return n*100 > len(b)
}

// delimiters are the delimiters sniffDelimiter chooses from; on a tie the
// earlier wins.
const delimiters = ",;\t|"

// sniffDelimiter returns the delimiter used most often outside quotes on
// the first non-empty line of b, or ',' when there is none.
func sniffDelimiter(b []byte) rune {
	var counts [len(delimiters)]int
	inQuotes, content := false, false
scan:
	for _, c := range b {
		switch {
		case c == '"':
			inQuotes = !inQuotes
			content = true
		case inQuotes:
		case c == '\n':
			if content {
				break scan
			}
		case c == '\r' || c == ' ':
		default:
			content = true
			if i := strings.IndexByte(delimiters, c); i >= 0 {
				counts[i]++
			}
		}
	}
	best := 0
	for i := range counts {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return rune(delimiters[best])
}

// sepLine recognises an Excel "sep=;" first line and returns the
// delimiter it names and the bytes it takes, or 0, 0.
func sepLine(b []byte) (rune, int) {
	if len(b) < 5 || !bytes.EqualFold(b[:4], []byte("sep=")) || strings.IndexByte(delimiters, b[4]) < 0 {
		return 0, 0
	}
	switch {
	case bytes.HasPrefix(b[5:], []byte("\r\n")):
		return rune(b[4]), 7
	case bytes.HasPrefix(b[5:], []byte("\n")):
		return rune(b[4]), 6
	}
	return 0, 0
}

// blank reports whether every field of rec is empty or spaces.
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// plural returns word, with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
