// Command udp-probe is the cluster target's client for a UDP probe whose answer names the backend:
// it sends one datagram from a connected socket, waits for one answer and prints it. agnhost's own
// `connect --protocol=udp` makes the same exchange but never prints the answer, so through a
// Service it cannot say which endpoint kube-proxy chose; a second datagram would be a new flow and
// may be sent to another endpoint. netexec's and serve-hostname's UDP servers answer the datagram
// `hostname` with the pod's hostname, its name.
//
// --source-port binds the client's port, as a probe of a UDP flow that outlives a change (the
// same 5-tuple before and after an endpoint goes away) needs; agnhost connect cannot.
//
// Exit 0 with the answer on stdout, or exit 1 with one stderr line whose prefix is one of agnhost
// connect's (TIMEOUT, REFUSED, OTHER), so the harness reads both programs the same way; exit 2 for
// bad arguments.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

func main() {
	timeout := flag.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	data := flag.String("data", "hostname", "the datagram to send")
	sourcePort := flag.Int("source-port", 0, "the client's UDP port (0: any)")
	flag.Parse()
	if flag.NArg() != 1 || *sourcePort < 0 || *sourcePort > 65535 {
		fmt.Fprintln(os.Stderr, "usage: udp-probe [--timeout=5s] [--data=hostname] [--source-port=N] HOST:PORT")
		os.Exit(2)
	}
	answer, err := ask(flag.Arg(0), *data, *timeout, *sourcePort)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prefix(err), err)
		os.Exit(1)
	}
	fmt.Println(answer)
}

func ask(dest, data string, timeout time.Duration, sourcePort int) (string, error) {
	// A connected UDP socket accepts datagrams only from dest, and the kernel hands it the ICMP
	// errors for its flow (port unreachable: ECONNREFUSED on the read).
	dialer := net.Dialer{Timeout: timeout}
	if sourcePort != 0 {
		dialer.LocalAddr = &net.UDPAddr{Port: sourcePort}
	}
	conn, err := dialer.Dial("udp", dest)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte(data)); err != nil {
		return "", err
	}
	buf := make([]byte, 65536)
	n, err := conn.Read(buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

func prefix(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "TIMEOUT"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "REFUSED"
	default:
		return "OTHER"
	}
}
