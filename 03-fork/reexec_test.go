package main

import (
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// BenchmarkReexec measures how fast this machine starts the stage's child
// processes: each iteration connects to itself over loopback, starts a
// child in the per-connection role on the accepted end, hangs up the
// client end at once, and waits for the child to exit. That is the fixed cost of every
// connection in this model, and with "Connection: close" of every
// request: b.N / elapsed is the ceiling on requests per second
// (starts/s), and the children's CPU time per start (cpu-ms/start, from
// getrusage(RUSAGE_CHILDREN): exact, every child counted once when it is
// reaped) is what each connection costs the machine. The parent's own
// part, os/exec's fork and exec, is in the benchmark's ns/op.
//
// By default the child is this test binary; LBWS_03_FORK_EXE names
// another, such as the stage built with go build:
//
//	go build -o /tmp/03-fork ./03-fork
//	LBWS_03_FORK_EXE=/tmp/03-fork go test -run '^$' -bench Reexec -benchtime 200x lbws/03-fork
func BenchmarkReexec(b *testing.B) {
	exe := os.Getenv("LBWS_03_FORK_EXE")
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			b.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	env := childEnv(roleConn) // as the server starts them: GOMAXPROCS=1
	before := childrenCPU(b)
	for b.Loop() {
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		server, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		conn, err := server.(*net.TCPConn).File() // a blocking copy for the child
		server.Close()
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(exe, "-header-timeout=5s")
		cmd.Env = env
		// The client's hang-up ends the child; the parent pipe is not
		// what this measures, so the child gets the test's stdin there.
		cmd.ExtraFiles = []*os.File{conn, os.Stdin}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		conn.Close()
		client.Close()
		if err := cmd.Wait(); err != nil {
			b.Fatalf("child: %v", err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "starts/s")
	b.ReportMetric((childrenCPU(b)-before).Seconds()*1000/float64(b.N), "cpu-ms/start")
}

// childrenCPU is the user plus system time of this process's reaped
// children.
func childrenCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
