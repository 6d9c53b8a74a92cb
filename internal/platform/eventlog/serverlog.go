package eventlog

import (
	"context"
	"fmt"
	"log/slog"
)

// serverLogger forwards the embedded nats-server's log lines to slog.
// It implements server.Logger.
type serverLogger struct {
	log     *slog.Logger
	onFatal func(msg string) // called with every Fatalf message; may be nil
}

func (l serverLogger) emit(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, fmt.Sprintf(format, v...))
}

// Noticef logs at info level.
func (l serverLogger) Noticef(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }

// Warnf logs at warn level.
func (l serverLogger) Warnf(format string, v ...any) { l.emit(slog.LevelWarn, format, v) }

// Fatalf logs at error level. Unlike nats-server's own logger it does not
// exit the process: it reports the message to onFatal so that Open can
// fail instead.
func (l serverLogger) Fatalf(format string, v ...any) {
	l.emit(slog.LevelError, format, v)
	if l.onFatal != nil {
		l.onFatal(fmt.Sprintf(format, v...))
	}
}

// Errorf logs at error level.
func (l serverLogger) Errorf(format string, v ...any) { l.emit(slog.LevelError, format, v) }

// Debugf logs at debug level.
func (l serverLogger) Debugf(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }

// Tracef logs at debug level.
func (l serverLogger) Tracef(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }
