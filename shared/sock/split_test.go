package sock

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// SplitHostPort agrees with net.SplitHostPort, which the stages no
// longer link.
func TestSplitHostPortLikeNet(t *testing.T) {
	for _, addr := range []string{
		"127.0.0.1:80", "[::1]:8080", "[fe80::1%eth0]:80", ":0", "localhost:http",
		"[::]:0", "host", "::1", "[::1]", "a:b:c", "[::1]x:80", "1.2.3.4:", "[a]b]:1",
	} {
		h, p, err := SplitHostPort(addr)
		wh, wp, werr := net.SplitHostPort(addr)
		if (err != nil) != (werr != nil) || h != wh || p != wp {
			t.Errorf("SplitHostPort(%q) = %q, %q, %v; net says %q, %q, %v", addr, h, p, err, wh, wp, werr)
		}
	}
}

// A name is looked up in the hosts file; localhost works without one.
func TestLookupHost(t *testing.T) {
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("# comment\n10.1.2.3  Box box.lan # a box\n::1 ip6-localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(old string) { hostsFile = old }(hostsFile)
	hostsFile = hosts
	for name, want := range map[string]string{"box": "10.1.2.3", "box.lan": "10.1.2.3", "ip6-localhost": "::1", "localhost": "127.0.0.1"} {
		ip, err := lookupHost(name)
		if err != nil || ip.String() != want {
			t.Errorf("lookupHost(%q) = %v, %v; want %s", name, ip, err, want)
		}
	}
	if ip, err := lookupHost("nowhere.example"); err == nil {
		t.Errorf("lookupHost(nowhere.example) = %v; want an error", ip)
	}
	if _, err := resolve("box:http"); err == nil {
		t.Error("resolve with a service name succeeded; want a plain error, not a lookup")
	}
	if ap, err := resolve("box:8080"); err != nil || ap.String() != "10.1.2.3:8080" {
		t.Errorf("resolve(box:8080) = %v, %v", ap, err)
	}
}
