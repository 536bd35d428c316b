package mdns

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// sysCoalesce gathers the burst of rtnetlink messages one change
	// produces (a link coming up brings its link, IPv4 and IPv6 address
	// messages, sent by the kernel within microseconds) into one call of
	// changed. It is short because it delays everything a link change
	// starts (RFC 6762 §8): the 0–250 ms of §8.1 and three probes 250 ms
	// apart already take up to 1 s before the first announcement.
	sysCoalesce = 20 * time.Millisecond
	// sysSafetyPoll catches anything netlink dropped or that happened
	// before the subscription.
	sysSafetyPoll = 30 * time.Second
)

// WatchInterfaces listens to rtnetlink link and address notifications and
// calls changed after each burst of them; a slow poll backs it up. Without
// a netlink socket (e.g. seccomp) it polls every few seconds.
func (n sysNetwork) WatchInterfaces(ctx context.Context, changed func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := sysOpenRtnetlink()
	if err != nil {
		return sysPoll(ctx, n, sysPollInterval, changed)
	}
	return sysWatchNetlink(ctx, n, f, sysCoalesce, changed)
}

// sysOpenRtnetlink opens a non-blocking rtnetlink socket subscribed to link
// and address changes, as an *os.File so that closing it unblocks a read
// through the runtime poller.
func sysOpenRtnetlink() (*os.File, error) {
	s, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("mdns: netlink socket: %w", err)
	}
	sa := &unix.SockaddrNetlink{
		Family: unix.AF_NETLINK,
		Groups: unix.RTMGRP_LINK | unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR,
	}
	if err := unix.Bind(s, sa); err != nil {
		unix.Close(s)
		return nil, fmt.Errorf("mdns: netlink bind: %w", err)
	}
	return os.NewFile(uintptr(s), "rtnetlink"), nil
}

// sysWatchNetlink reads notifications from f, calling changed coalesce
// after the first message of each burst. It owns f and closes it, and
// joins its reader, before returning.
func sysWatchNetlink(ctx context.Context, n Network, f *os.File, coalesce time.Duration, changed func()) error {
	events := make(chan struct{}, 1)
	failed := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(failed)
		// Any message means "may have changed": no need to parse it. A
		// full buffer (ENOBUFS) lost messages, which is a change too.
		buf := make([]byte, 64<<10)
		for {
			_, err := f.Read(buf)
			if err != nil && !errors.Is(err, unix.ENOBUFS) {
				return
			}
			select {
			case events <- struct{}{}:
			default:
			}
		}
	}()
	defer wg.Wait()
	defer f.Close() // runs first: unblocks the reader

	last := sysFingerprint(n)
	poll := time.NewTicker(sysSafetyPoll)
	defer poll.Stop()
	var burst <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-events:
			if burst == nil {
				burst = time.After(coalesce)
			}
		case <-burst:
			burst = nil
			last = sysFingerprint(n)
			changed()
		case <-poll.C:
			if fp := sysFingerprint(n); fp != last {
				last = fp
				changed()
			}
		case <-failed:
			// The socket broke: carry on by polling faster.
			failed = nil
			poll.Reset(sysPollInterval)
		}
	}
}
