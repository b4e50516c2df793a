package condition

import (
	"net/netip"
	"strings"
)

// IP address condition operators: IpAddress and NotIpAddress, with IPv4 and
// IPv6 addresses or CIDR ranges. A bare address is a one-address range.

// ParseCIDR parses a CIDR block or a single address.
func ParseCIDR(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

func matchIP(p netip.Prefix, rv string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(rv))
	if err != nil {
		return false
	}
	return p.Contains(a.Unmap()) || p.Contains(a)
}
