package api

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strconv"
)

// Access key IDs carry their account, as AWS's do (which is how STS
// GetAccessKeyInfo answers without a lookup): a four-letter prefix (AKIA for
// long-term keys, ASIA for temporary ones) and the base32 text of ten bytes,
// five holding the account number and five random.

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewKeyID makes an access key ID for an account.
func NewKeyID(prefix, account string) string {
	n, _ := strconv.ParseUint(account, 10, 64)
	var b [10]byte
	var num [8]byte
	binary.BigEndian.PutUint64(num[:], n)
	copy(b[:5], num[3:])
	if _, err := rand.Read(b[5:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + keyEncoding.EncodeToString(b[:])
}

// KeyAccount returns the account an access key ID belongs to; ok is false
// when the ID is not one iamgate made.
func KeyAccount(id string) (account string, ok bool) {
	if len(id) != 20 {
		return "", false
	}
	b, err := keyEncoding.DecodeString(id[4:])
	if err != nil || len(b) != 10 {
		return "", false
	}
	var num [8]byte
	copy(num[3:], b[:5])
	n := binary.BigEndian.Uint64(num[:])
	if n > 999999999999 {
		return "", false
	}
	s := strconv.FormatUint(n, 10)
	for len(s) < 12 {
		s = "0" + s
	}
	return s, true
}
