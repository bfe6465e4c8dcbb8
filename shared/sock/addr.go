package sock

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Package sock does without package net: a stage that imports net links
// its resolver, and with it cgo and the dynamic loader, which every
// process of 03-fork would pay for at start-up. These helpers do the
// little of net's work the stages need.

// SplitHostPort splits "host:port", "[host]:port" or "[host%zone]:port"
// into host (without brackets) and port, as net.SplitHostPort does.
func SplitHostPort(addr string) (host, port string, err error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", "", fmt.Errorf("address %q: missing port", addr)
	}
	host, port = addr[:i], addr[i+1:]
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return "", "", fmt.Errorf("address %q: missing ']'", addr)
		}
		host = host[1 : len(host)-1]
	} else if strings.IndexByte(host, ':') >= 0 {
		return "", "", fmt.Errorf("address %q: too many colons", addr)
	}
	if strings.ContainsAny(host, "[]") || strings.ContainsAny(port, "[]") {
		return "", "", fmt.Errorf("address %q: unexpected bracket", addr)
	}
	return host, port, nil
}

// parsePort parses a decimal port; an empty port is 0 (any). Service
// names ("http") would need /etc/services and are refused.
func parsePort(port string) (uint16, error) {
	if port == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("port %q: want a number from 0 to 65535", port)
	}
	return uint16(n), nil
}

// hostsFile is where lookupHost finds names.
var hostsFile = "/etc/hosts"

// lookupHost returns the first address hostsFile gives name, or the
// loopback address for "localhost" if the file has none. A listening
// address is a local one, so DNS is not asked: that is what keeps
// package net, and cgo with it, out of the stages.
func lookupHost(name string) (netip.Addr, error) {
	f, err := os.Open(hostsFile)
	if err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line, _, _ := strings.Cut(sc.Text(), "#")
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			ip, perr := netip.ParseAddr(fields[0])
			if perr != nil {
				continue
			}
			for _, n := range fields[1:] {
				if strings.EqualFold(n, name) {
					return ip, nil
				}
			}
		}
	}
	if strings.EqualFold(name, "localhost") {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil
	}
	return netip.Addr{}, errors.New("host " + strconv.Quote(name) + " is neither an IP address nor in " + hostsFile)
}
