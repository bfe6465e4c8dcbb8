//go:build !linux

package sock

import "errors"

// zoneIndex would look up an interface by name; without package net
// this is done on Linux only: elsewhere, give the zone as its index
// ("[fe80::1%1]:80").
func zoneIndex(name string) (uint32, error) {
	return 0, errors.New("interface " + name + ": give the zone as a number on this system")
}

// interfaceName has no names to offer here: the zone prints as a number.
func interfaceName(index uint32) (string, error) {
	return "", errors.New("no interface names on this system")
}
