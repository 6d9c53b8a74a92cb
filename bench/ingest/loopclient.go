//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// The loop client drives every connection of a phase from one epoll event
// loop per OS thread, the way wrk does: when a connection's answer is
// complete its next request is written at once. Per request that is one
// read and one write system call and no goroutine switch, against the raw
// client's extra read that finds nothing and the park and wake-up around
// it. What the client does not spend is left to the server on a machine
// whose cores both share.

// loopConn is one keep-alive connection of an event loop.
type loopConn struct {
	fd      int
	local   [4]byte
	rbuf    []byte // answer bytes read so far
	wbuf    []byte // request being written
	written int    // bytes of wbuf already written
	waitOut bool   // registered for EPOLLOUT: the socket's buffer was full
	seq     uint64 // sequence number of the request in flight
	sent    time.Time
	resume  time.Time // paused after an error until then
}

// runLoops drives t over conc connections from loops event loops until
// mEnd and returns each loop's statistics.
func runLoops(ctx context.Context, t target, conc, loops int, mStart, mEnd time.Time) ([]*workerStats, error) {
	u, err := url.Parse(t.url)
	if err != nil {
		return nil, err
	}
	addr, err := net.ResolveTCPAddr("tcp4", u.Host)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", u.Host, err)
	}
	heads := requestHeads(u, t)
	var seq atomic.Uint64
	stats := make([]*workerStats, loops)
	errs := make([]error, loops)
	var wg sync.WaitGroup
	for l := range loops {
		n := conc / loops
		if l < conc%loops {
			n++
		}
		ws := newWorkerStats()
		stats[l] = ws
		wg.Add(1)
		go func() {
			defer wg.Done()
			el := &eventLoop{t: t, heads: heads, seq: &seq, ws: ws, mStart: mStart, mEnd: mEnd}
			errs[l] = el.run(ctx, addr, n, uint32(l*conc/loops))
		}()
	}
	wg.Wait()
	return stats, errors.Join(errs...)
}

type eventLoop struct {
	t      target
	heads  [][]byte
	seq    *atomic.Uint64
	ws     *workerStats
	mStart time.Time
	mEnd   time.Time
	remote syscall.SockaddrInet4
	epfd   int
	conns  map[int]*loopConn
	paused []*loopConn
}

func (el *eventLoop) run(ctx context.Context, addr *net.TCPAddr, n int, firstLocal uint32) error {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll_create1: %w", err)
	}
	el.epfd, el.conns = epfd, make(map[int]*loopConn, n)
	defer func() {
		for fd := range el.conns {
			_ = syscall.Close(fd)
		}
		_ = syscall.Close(epfd)
	}()
	el.remote.Port = addr.Port
	copy(el.remote.Addr[:], addr.IP.To4())
	for i := range n {
		c := &loopConn{fd: -1}
		copy(c.local[:], localAddr(firstLocal+uint32(i)).IP.To4())
		if err := el.connect(c); err != nil {
			return err
		}
		el.send(c)
	}
	events := make([]syscall.EpollEvent, 256)
	for ctx.Err() == nil && time.Now().Before(el.mEnd) {
		timeout := 50
		if len(el.paused) > 0 {
			timeout = 5
		}
		k, err := syscall.EpollWait(epfd, events, timeout)
		if err != nil && !errors.Is(err, syscall.EINTR) {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range events[:max(k, 0)] {
			c := el.conns[int(ev.Fd)]
			if c == nil {
				continue
			}
			if ev.Events&syscall.EPOLLOUT != 0 && c.written < len(c.wbuf) {
				el.flush(c)
				continue
			}
			el.receive(c)
		}
		el.resumePaused()
	}
	return nil
}

// connect opens c's connection from its loopback source address (or the
// default one) and registers it with the loop.
func (el *eventLoop) connect(c *loopConn) error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	if syscall.Bind(fd, &syscall.SockaddrInet4{Addr: c.local}) != nil {
		// Fall back to the default source address.
		_ = syscall.Close(fd)
		if fd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
			return fmt.Errorf("socket: %w", err)
		}
		_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	}
	// Blocking connect: loopback answers at once.
	if err := syscall.Connect(fd, &el.remote); err != nil {
		_ = syscall.Close(fd)
		return fmt.Errorf("connect: %w", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return fmt.Errorf("set nonblocking: %w", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
	if err := syscall.EpollCtl(el.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		_ = syscall.Close(fd)
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	c.fd, c.rbuf, c.wbuf, c.written, c.waitOut = fd, c.rbuf[:0], c.wbuf[:0], 0, false
	el.conns[fd] = c
	return nil
}

func (el *eventLoop) drop(c *loopConn) {
	delete(el.conns, c.fd)
	_ = syscall.Close(c.fd)
	c.fd = -1
}

// send writes c's next request, unless the measured window is over.
func (el *eventLoop) send(c *loopConn) {
	if !time.Now().Before(el.mEnd) {
		return
	}
	c.seq = el.seq.Add(1) - 1
	head := el.heads[c.seq%uint64(len(el.heads))]
	// The body is built after the head, then its length spliced in.
	c.wbuf = append(c.wbuf[:0], head...)
	start := len(c.wbuf)
	c.wbuf = el.t.body(c.seq, c.wbuf)
	body := len(c.wbuf) - start
	var num [20]byte
	cl := strconv.AppendInt(num[:0], int64(body), 10)
	cl = append(cl, "\r\n\r\n"...)
	c.wbuf = append(c.wbuf, cl...) // grow by len(cl)
	copy(c.wbuf[start+len(cl):], c.wbuf[start:start+body])
	copy(c.wbuf[start:], cl)
	c.written = 0
	c.sent = time.Now()
	el.flush(c)
}

// flush writes what remains of c's request, waiting for EPOLLOUT when the
// socket's buffer is full.
func (el *eventLoop) flush(c *loopConn) {
	for c.written < len(c.wbuf) {
		n, err := rawIO(syscall.SYS_WRITE, c.fd, c.wbuf[c.written:])
		if errors.Is(err, syscall.EAGAIN) {
			if !c.waitOut {
				el.watch(c, syscall.EPOLLIN|syscall.EPOLLOUT)
			}
			return
		}
		if err != nil || n <= 0 {
			el.fail(c, time.Now(), err)
			return
		}
		c.written += n
	}
	if c.waitOut {
		el.watch(c, syscall.EPOLLIN)
	}
}

func (el *eventLoop) watch(c *loopConn, events uint32) {
	ev := syscall.EpollEvent{Events: events, Fd: int32(c.fd)}
	_ = syscall.EpollCtl(el.epfd, syscall.EPOLL_CTL_MOD, c.fd, &ev)
	c.waitOut = events&syscall.EPOLLOUT != 0
}

// rawIO is read(2) or write(2) on a non-blocking socket, without telling
// the scheduler about a system call that never blocks.
func rawIO(trap uintptr, fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// receive reads what is available on c and, once the answer is complete,
// records it and sends the next request.
func (el *eventLoop) receive(c *loopConn) {
	for {
		if cap(c.rbuf)-len(c.rbuf) < 4096 {
			c.rbuf = append(c.rbuf, make([]byte, 16<<10)...)[:len(c.rbuf)]
		}
		space := cap(c.rbuf) - len(c.rbuf)
		n, err := rawIO(syscall.SYS_READ, c.fd, c.rbuf[len(c.rbuf):cap(c.rbuf)])
		if errors.Is(err, syscall.EAGAIN) {
			break
		}
		if err != nil || n == 0 {
			if err == nil {
				err = io.EOF
			}
			el.fail(c, time.Now(), err)
			el.reconnect(c)
			return
		}
		c.rbuf = c.rbuf[:len(c.rbuf)+n]
		if n < space {
			break // the kernel had no more
		}
	}
	r, err := parseResponse(c.rbuf)
	if err == nil && !r.complete {
		return
	}
	now := time.Now()
	if err != nil {
		el.fail(c, now, err)
		el.reconnect(c)
		return
	}
	if r.consumed < len(c.rbuf) {
		el.fail(c, now, errBadResponse) // bytes after the answer: not HTTP/1.1 as sent
		el.reconnect(c)
		return
	}
	failed := el.ws.record(el.t, c.sent, now, el.mStart, el.mEnd, r.status, r.body, nil)
	c.rbuf = c.rbuf[:0]
	if !r.keep {
		el.drop(c)
		el.reconnect(c)
		return
	}
	if failed {
		el.pause(c, now)
		return
	}
	el.send(c)
}

// fail records a transport error for c's request in flight.
func (el *eventLoop) fail(c *loopConn, now time.Time, err error) {
	if c.fd >= 0 {
		el.drop(c)
	}
	el.ws.record(el.t, c.sent, now, el.mStart, el.mEnd, 0, nil, err)
}

// reconnect opens c again after a pause, so a failing server is not
// hammered.
func (el *eventLoop) reconnect(c *loopConn) {
	if c.fd >= 0 {
		el.drop(c)
	}
	if err := el.connect(c); err != nil {
		now := time.Now()
		el.ws.record(el.t, now, now, el.mStart, el.mEnd, 0, nil, err)
	}
	el.pause(c, time.Now())
}

func (el *eventLoop) pause(c *loopConn, now time.Time) {
	c.resume = now.Add(5 * time.Millisecond)
	el.paused = append(el.paused, c)
}

// resumePaused sends the next request on connections whose pause is over
// (and retries connections that could not be opened).
func (el *eventLoop) resumePaused() {
	if len(el.paused) == 0 {
		return
	}
	now := time.Now()
	keep := el.paused[:0]
	for _, c := range el.paused {
		if now.Before(c.resume) {
			keep = append(keep, c)
			continue
		}
		if c.fd < 0 {
			if err := el.connect(c); err != nil {
				el.ws.record(el.t, now, now, el.mStart, el.mEnd, 0, nil, err)
				c.resume = now.Add(5 * time.Millisecond)
				keep = append(keep, c)
				continue
			}
		}
		el.send(c)
	}
	el.paused = keep
}
