package sock

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// zoneIndex returns the index of the network interface called name,
// with the SIOCGIFINDEX ioctl (net.InterfaceByName without package net).
func zoneIndex(name string) (uint32, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := ifreqIoctl(unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, fmt.Errorf("interface %q: %w", name, err)
	}
	return ifr.Uint32(), nil
}

// interfaceName returns the name of the interface with the given index
// (SIOCGIFNAME), or an error if there is none.
func interfaceName(index uint32) (string, error) {
	ifr, err := unix.NewIfreq("")
	if err != nil {
		return "", err
	}
	ifr.SetUint32(index)
	if err := ifreqIoctl(unix.SIOCGIFNAME, ifr); err != nil {
		return "", err
	}
	return ifr.Name(), nil
}

// ifreqIoctl runs an interface ioctl on a throwaway datagram socket.
func ifreqIoctl(req uint, ifr *unix.Ifreq) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	return unix.IoctlIfreq(fd, req, ifr)
}
