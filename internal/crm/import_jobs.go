package crm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mopshq/mops/internal/crm/csvimport"
	"github.com/mopshq/mops/internal/platform/auth"
	"github.com/mopshq/mops/internal/platform/id"
)

// jobKeep is how long a finished import's status stays readable, and an
// uploaded file waits to be imported.
const jobKeep = time.Hour

// ImportStatus is where a background import stands.
type ImportStatus struct {
	ID        string         `json:"id"`
	Kind      csvimport.Kind `json:"kind"`
	DryRun    bool           `json:"dry_run"`
	Bytes     int64          `json:"bytes"`      // size of the file, 0 when unknown
	BytesRead int64          `json:"bytes_read"` // of the file so far
	Rows      int            `json:"rows"`       // rows read so far
	Done      bool           `json:"done"`
	Seconds   float64        `json:"seconds"`
	Report    *ImportReport  `json:"report,omitempty"` // when done without error
	Error     string         `json:"error,omitempty"`
	Fields    []FieldError   `json:"fields,omitempty"` // when the file or mapping was refused
}

// importJob is one import running in the background.
type importJob struct {
	ws      string
	status  ImportStatus
	started time.Time
	read    atomic.Int64
	rows    atomic.Int64
	done    chan struct{}
	mu      sync.Mutex // guards status
}

// jobs holds the background imports and the uploaded files waiting for
// one. Both live in memory: an import is watched by the person who
// started it, and a restart loses only the progress display (an import
// commits chunk by chunk, so what it wrote stays).
type jobs struct {
	mu      sync.Mutex
	imports map[string]*importJob
	uploads map[string]*Upload
}

func newJobs() *jobs {
	return &jobs{imports: map[string]*importJob{}, uploads: map[string]*Upload{}}
}

// prune drops finished imports and uploads older than jobKeep. The caller
// holds mu.
func (j *jobs) prune(now time.Time) {
	for k, job := range j.imports {
		select {
		case <-job.done:
			if now.Sub(job.started) > jobKeep {
				delete(j.imports, k)
			}
		default:
		}
	}
	for k, u := range j.uploads {
		if now.Sub(u.Created) > jobKeep {
			os.Remove(u.path)
			delete(j.uploads, k)
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// StartImport runs an import in the background and returns its id at
// once; ImportStatus follows it. file is closed when the import ends.
// size is the file's length in bytes (0 when unknown), for the progress.
func (s *Service) StartImport(ctx context.Context, actor auth.Actor, ws string, file io.ReadCloser, size int64, opt ImportOptions) string {
	job := &importJob{ws: ws, started: time.Now(), done: make(chan struct{}),
		status: ImportStatus{ID: id.New("ij"), Kind: opt.Kind, DryRun: opt.DryRun, Bytes: size}}
	s.jobs.mu.Lock()
	s.jobs.prune(job.started)
	s.jobs.imports[job.status.ID] = job
	s.jobs.mu.Unlock()

	ctx = context.WithoutCancel(ctx)
	progress := opt.Progress
	opt.Progress = func(rows int) {
		job.rows.Store(int64(rows))
		if progress != nil {
			progress(rows)
		}
	}
	go func() {
		defer close(job.done)
		defer file.Close()
		rep, err := s.Import(ctx, actor, ws, countingReader{file, &job.read}, opt)
		if err == nil && !opt.DryRun && rep.Created+rep.Updated > 0 {
			// New records may duplicate old ones: queue them for review.
			var scan *ScanReport
			if scan, err = s.ScanDuplicates(ctx, ws); err == nil {
				rep.Duplicates = scan.Open
			}
		}
		job.mu.Lock()
		defer job.mu.Unlock()
		if ve, ok := errors.AsType[*ValidationError](err); ok {
			job.status.Error, job.status.Fields = "the file cannot be imported", ve.Fields
		} else if err != nil {
			job.status.Error = err.Error()
		} else {
			job.status.Report = rep
			job.status.Rows = rep.Rows
		}
	}()
	return job.status.ID
}

// ImportStatus returns where the workspace's import stands; false when
// there is no such import in the workspace (or it finished over an hour
// ago).
func (s *Service) ImportStatus(ws, importID string) (ImportStatus, bool) {
	s.jobs.mu.Lock()
	job, ok := s.jobs.imports[importID]
	s.jobs.mu.Unlock()
	if !ok || job.ws != ws {
		return ImportStatus{}, false
	}
	job.mu.Lock()
	st := job.status
	job.mu.Unlock()
	select {
	case <-job.done:
		st.Done = true
		st.BytesRead = job.read.Load()
	default:
		st.BytesRead = job.read.Load()
		st.Rows = int(job.rows.Load())
	}
	if st.Bytes > 0 && st.BytesRead > st.Bytes {
		st.BytesRead = st.Bytes
	}
	st.Seconds = time.Since(job.started).Seconds()
	return st, true
}

// WaitImport blocks until the import ends or ctx is done, and returns
// its status.
func (s *Service) WaitImport(ctx context.Context, ws, importID string) (ImportStatus, error) {
	s.jobs.mu.Lock()
	job, ok := s.jobs.imports[importID]
	s.jobs.mu.Unlock()
	if !ok || job.ws != ws {
		return ImportStatus{}, ErrNotFound
	}
	select {
	case <-job.done:
	case <-ctx.Done():
		return ImportStatus{}, ctx.Err()
	}
	st, _ := s.ImportStatus(ws, importID)
	return st, nil
}

// Upload is a CSV file sent from the UI, kept on disk between choosing
// the columns, the dry run and the import.
type Upload struct {
	ID       string
	Name     string // as sent by the browser
	Size     int64
	Created  time.Time
	Headers  []string
	Samples  [][]string // the first rows' values, per column
	Encoding string
	ws       string
	path     string
}

// previewRows is how many rows of an upload are shown beside its columns.
const previewRows = 3

// SaveUpload stores an uploaded CSV file for a later import, reading its
// header and first rows. A file that is not CSV text is refused with a
// *ValidationError.
func (s *Service) SaveUpload(ws, name string, r io.Reader, limit int64) (*Upload, error) {
	f, err := os.CreateTemp("", "mops-import-*.csv")
	if err != nil {
		return nil, fmt.Errorf("save upload: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	fail := func(err error) (*Upload, error) {
		os.Remove(f.Name())
		return nil, err
	}
	if err != nil {
		return fail(fmt.Errorf("save upload: %w", err))
	}
	if n > limit {
		return fail(&ValidationError{Fields: []FieldError{{"file", fmt.Sprintf("is larger than %d MB", limit>>20)}}})
	}
	u := &Upload{ID: id.New("up"), Name: name, Size: n, Created: time.Now(), ws: ws, path: f.Name()}
	if err := u.preview(); err != nil {
		return fail(err)
	}
	s.jobs.mu.Lock()
	s.jobs.prune(u.Created)
	s.jobs.uploads[u.ID] = u
	s.jobs.mu.Unlock()
	return u, nil
}

// preview reads the upload's headers and first rows.
func (u *Upload) preview() error {
	f, err := os.Open(u.path)
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	defer f.Close()
	rd, err := csvimport.NewReader(f)
	if err != nil {
		return &ValidationError{Fields: []FieldError{{"file", err.Error()}}}
	}
	u.Headers, u.Encoding = rd.Headers(), rd.Encoding()
	m := csvimport.Mapping{Kind: csvimport.Contacts}
	for i, h := range u.Headers {
		m.Columns = append(m.Columns, csvimport.Column{Index: i, Header: h, Property: fmt.Sprintf("c%d", i)})
	}
	for len(u.Samples) < previewRows {
		row, err := rd.Next(m)
		if err == io.EOF {
			break
		}
		if _, ok := errors.AsType[*csvimport.RowError](err); ok {
			continue
		}
		if err != nil {
			return &ValidationError{Fields: []FieldError{{"file", err.Error()}}}
		}
		vals := make([]string, len(u.Headers))
		for i := range vals {
			vals[i] = row.Props[fmt.Sprintf("c%d", i)]
		}
		u.Samples = append(u.Samples, vals)
	}
	return nil
}

// Upload returns a stored upload of the workspace.
func (s *Service) Upload(ws, uploadID string) (*Upload, bool) {
	s.jobs.mu.Lock()
	defer s.jobs.mu.Unlock()
	u, ok := s.jobs.uploads[uploadID]
	if !ok || u.ws != ws {
		return nil, false
	}
	return u, true
}

// Sample returns the upload's value of column i in preview row r, or "".
func (u *Upload) Sample(r, i int) string {
	if r >= len(u.Samples) || i >= len(u.Samples[r]) {
		return ""
	}
	return u.Samples[r][i]
}

// StartUploadImport starts an import (or dry run) of an upload. A real
// import consumes the upload: its file is removed when it ends.
func (s *Service) StartUploadImport(ctx context.Context, actor auth.Actor, u *Upload, opt ImportOptions) (string, error) {
	f, err := os.Open(u.path)
	if err != nil {
		return "", fmt.Errorf("open upload: %w", err)
	}
	var file io.ReadCloser = f
	if !opt.DryRun {
		s.jobs.mu.Lock()
		delete(s.jobs.uploads, u.ID)
		s.jobs.mu.Unlock()
		file = removeOnClose{f}
	}
	return s.StartImport(ctx, actor, u.ws, file, u.Size, opt), nil
}

// removeOnClose deletes the file once it is closed.
type removeOnClose struct{ *os.File }

func (r removeOnClose) Close() error {
	err := r.File.Close()
	if rerr := os.Remove(r.Name()); err == nil {
		err = rerr
	}
	return err
}

// SizeLabel is the upload's size for people: "812 bytes", "45.2 KB", "3.1 MB".
func (u *Upload) SizeLabel() string {
	switch {
	case u.Size < 1<<10:
		return fmt.Sprintf("%d bytes", u.Size)
	case u.Size < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(u.Size)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(u.Size)/(1<<20))
}
