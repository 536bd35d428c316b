package mdnstest

import "errors"

// Errors returned by sockets and hosts, for branching with errors.Is. A
// closed socket or host returns an error wrapping net.ErrClosed, as real
// sockets do.
var (
	// ErrNoInterface: the interface index or name does not exist on the
	// host (any more), or no interface can carry the datagram.
	ErrNoInterface = errors.New("mdnstest: no such interface")
	// ErrInterfaceDown: the outgoing interface is administratively down.
	ErrInterfaceDown = errors.New("mdnstest: interface is down")
	// ErrNoAddress: the outgoing interface has no address of the socket's
	// family to send from.
	ErrNoAddress = errors.New("mdnstest: no address of that family on interface")
	// ErrTooLarge: the datagram exceeds the largest UDP payload of its IP
	// version (65507 bytes over IPv4, 65527 over IPv6), like EMSGSIZE.
	ErrTooLarge = errors.New("mdnstest: message too long")
)
