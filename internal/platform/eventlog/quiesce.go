package eventlog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// settleInterval is how long every stream's state must stay unchanged before
// Quiesce considers the store settled.
const settleInterval = 100 * time.Millisecond

// Quiesce holds the log still so that the embedded store directory can be
// copied file by file for a backup. It
//
//  1. closes the gate: Publish calls made from now on wait (each bounded by
//     its own ctx) until release is called;
//  2. waits for the Publish calls already in flight to finish;
//  3. in embedded mode, waits until the state (messages, bytes, first and
//     last sequence) of every stream of Streams has stayed unchanged for
//     100 ms, and then
//  4. fsyncs every file and directory under StoreDir.
//
// Guarantee (embedded mode), from the moment Quiesce returns nil until
// release: no Publish call completes, and every message acknowledged to a
// Publish call before Quiesce returned (including the ones in flight when it
// was called), as well as every message the streams held when they settled,
// is in its message block file under StoreDir, written with write(2) and
// fsynced. A file-by-file copy of StoreDir made in that window, opened with
// Open, holds all of those messages and their de-duplication IDs. This rests
// on the streams being single-replica file streams in the default persist
// mode (see Streams), for which nats-server writes each message to its block
// file before it acknowledges it. nats-server exports no call that flushes a
// stream's store, so there is nothing more Quiesce can force.
//
// What it does not guarantee:
//   - Publishing through JetStream() or by other clients on Config.Listen
//     bypasses the gate. Such messages, published after the streams settled,
//     may or may not be in a copy. A message written while its file is being
//     copied leaves a torn trailing record, which nats-server's record
//     checksums detect when the copy is opened.
//   - The server keeps working in the background: consumers keep running,
//     and consumer state and stream index files are rewritten (atomically,
//     through a temporary file and a rename, so a copy tool must tolerate
//     "*.tmp" files that vanish). A copy's consumer positions can be older
//     than the acknowledgements made, so a loader restored from it sees some
//     messages again, which an at-least-once consumer already handles. A stale
//     stream index is rebuilt from the block files when the copy is opened.
//   - In external mode Quiesce only holds the gate (steps 1 and 2). The store
//     belongs to the external server and must be backed up there.
//
// If ctx ends before Quiesce is done, the gate is reopened and ctx's error
// returned. Only one Quiesce holds the log at a time; a second one waits for
// the first release. release reopens the gate; calling it again does nothing.
// Close is allowed while quiesced and fails the waiting publishes with
// ErrClosed.
func (l *Log) Quiesce(ctx context.Context) (release func(), err error) {
	release, err = l.gate.shutGate(ctx)
	if err != nil {
		return nil, fmt.Errorf("eventlog: quiesce: %w", err)
	}
	if !l.embedded {
		return release, nil
	}
	if err := l.settle(ctx); err != nil {
		release()
		return nil, fmt.Errorf("eventlog: quiesce: %w", err)
	}
	if err := syncTree(ctx, l.dir); err != nil {
		release()
		return nil, fmt.Errorf("eventlog: quiesce: sync store: %w", err)
	}
	l.logger.Info("eventlog: quiesced", "store_dir", l.dir)
	return release, nil
}

// settle waits until every stream's state has stayed the same for
// settleInterval.
func (l *Log) settle(ctx context.Context) error {
	var prev []StreamHealth
	var since time.Time
	tick := time.NewTicker(settleInterval / 4)
	defer tick.Stop()
	for {
		cur, err := l.streamStates(ctx)
		if err != nil {
			return err
		}
		now := time.Now()
		if prev == nil || !slices.Equal(prev, cur) {
			prev, since = cur, now
		} else if now.Sub(since) >= settleInterval {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for streams to settle: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// streamStates reads the state of every stream of Streams.
func (l *Log) streamStates(ctx context.Context) ([]StreamHealth, error) {
	var out []StreamHealth
	for _, sc := range Streams() {
		st, err := l.js.Stream(ctx, sc.Name)
		if err != nil {
			return nil, fmt.Errorf("read stream %s: %w", sc.Name, err)
		}
		s := st.CachedInfo().State
		out = append(out, StreamHealth{
			Name: sc.Name, Messages: s.Msgs, Bytes: s.Bytes, FirstSeq: s.FirstSeq, LastSeq: s.LastSeq,
		})
	}
	return out, nil
}

// syncTree fsyncs every regular file and directory under root. Files that
// disappear meanwhile (the server's temporary files) are skipped.
func syncTree(ctx context.Context, root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() && !d.IsDir() {
			return nil
		}
		if d.IsDir() && runtime.GOOS == "windows" {
			return nil // directories cannot be fsynced there
		}
		if err := syncPath(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}

func syncPath(path string) error {
	flag := os.O_RDONLY
	if runtime.GOOS == "windows" {
		flag = os.O_RDWR // FlushFileBuffers needs write access
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return err
	}
	serr := f.Sync()
	cerr := f.Close()
	if serr != nil {
		return fmt.Errorf("fsync %s: %w", path, serr)
	}
	return cerr
}
