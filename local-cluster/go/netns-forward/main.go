// Command netns-forward makes a local cluster's API server reachable on the host's loopback
// without giving the host an address on the cluster's underlay: it listens on 127.0.0.1 in the
// host's network namespace and dials the API server from inside the node's network namespace.
// A socket belongs to the namespace of the thread that creates it, so each dial runs on an OS
// thread that has entered the node's namespace (setns) and is never handed back to the runtime.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
)

const sysSetns = 308 // x86_64; CLONE_NEWNET below

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "host address to listen on")
	netns := flag.String("netns", "", "path of the network namespace to dial from (/run/netns/NAME)")
	to := flag.String("to", "", "address to dial inside that namespace (IP:PORT)")
	portFile := flag.String("port-file", "", "file to write the port listened on")
	flag.Parse()
	if *netns == "" || *to == "" {
		fmt.Fprintln(os.Stderr, "netns-forward: --netns and --to are required")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "netns-forward: listen %s: %v\n", *listen, err)
		os.Exit(1)
	}
	if *portFile != "" {
		port := ln.Addr().(*net.TCPAddr).Port
		if err := os.WriteFile(*portFile, []byte(fmt.Sprintf("%d\n", port)), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "netns-forward: %v\n", err)
			os.Exit(1)
		}
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			fmt.Fprintf(os.Stderr, "netns-forward: accept: %v\n", err)
			os.Exit(1)
		}
		go serve(conn, *netns, *to)
	}
}

func serve(client net.Conn, netns, to string) {
	defer client.Close()
	server, err := dialIn(netns, to)
	if err != nil {
		fmt.Fprintf(os.Stderr, "netns-forward: dial %s in %s: %v\n", to, netns, err)
		return
	}
	defer server.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		if tcp, ok := dst.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
	}
	go pipe(server, client)
	go pipe(client, server)
	wg.Wait()
}

// dialIn dials on a fresh OS thread moved into netns. The thread is never unlocked, so the runtime
// ends it when the goroutine returns instead of reusing it in the wrong namespace.
func dialIn(netns, to string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open(netns)
		if err != nil {
			done <- result{nil, err}
			return
		}
		defer f.Close()
		if _, _, errno := syscall.RawSyscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0); errno != 0 {
			done <- result{nil, fmt.Errorf("setns: %v", errno)}
			return
		}
		conn, err := net.Dial("tcp", to)
		done <- result{conn, err}
	}()
	r := <-done
	return r.conn, r.err
}
