package main

import (
	"testing"
	"time"

	"lbws/shared/conformance"
	"lbws/shared/loop"
)

// TestConformance runs the shared HTTP suite against 04 with its default
// worker pool: keep-alive, pipelining and concurrency all apply.
func TestConformance(t *testing.T) {
	// Generous: the concurrency group dials 200 connections before it
	// sends on any, which takes over a second under -race on a busy
	// machine, and the header timeout runs from the accept.
	const headerTimeout = 3 * time.Second
	conformance.NoLeaks(t)
	ts := start(t, loop.Config{Workers: 64, HeaderTimeout: headerTimeout})
	conformance.Run(t, ts.Addr, conformance.Options{
		KeepAlive: true, Pipelining: true, Concurrent: true,
		HeaderTimeout: headerTimeout,
	})
}

// TestConformanceInline runs the suite with -workers 0: the app runs
// inside the loop. The suite's apps do not sleep, so the loop still
// serves connections concurrently between requests.
func TestConformanceInline(t *testing.T) {
	// Generous: the concurrency group dials 200 connections before it
	// sends on any, which takes over a second under -race on a busy
	// machine, and the header timeout runs from the accept.
	const headerTimeout = 3 * time.Second
	conformance.NoLeaks(t)
	ts := start(t, loop.Config{Workers: 0, HeaderTimeout: headerTimeout})
	conformance.Run(t, ts.Addr, conformance.Options{
		KeepAlive: true, Pipelining: true, Concurrent: true,
		HeaderTimeout: headerTimeout,
	})
}
