package server

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/store"
)

// KindOutboundKey holds an account's outbound web identity federation
// signing keys (STS GetWebIdentityToken): Account the account, Name the
// algorithm (RS256, ES384). The private key is sealed under the master key
// like the other credentials, bound to the item's key; the public key is
// kept as its JWK. They go with the account (DeleteAccount).
const KindOutboundKey store.Kind = "outboundkey"

// storedSigningKey is a signing key as stored.
type storedSigningKey struct {
	// JWK is the public key (RFC 7517), with kid, alg and use.
	JWK json.RawMessage `json:"jwk"`
	// Sealed is the PKCS #8 private key, sealed.
	Sealed  []byte    `json:"sealedKey"`
	Created time.Time `json:"created"`
}

// Outbound signs outbound web identity tokens (api.Outbound).
type Outbound struct {
	st     store.Store
	sealer keyring.Sealer
}

func newOutbound(st store.Store, master keyring.MasterKey) *Outbound {
	return &Outbound{st: st, sealer: master.Sealer("outbound-signing-keys")}
}

// Outbound is the signer of outbound web identity tokens.
func (s *State) Outbound() api.Outbound { return s.outbound }

func outboundKey(account, alg string) store.Key {
	return store.Key{Kind: KindOutboundKey, Account: account, Name: alg}
}

// signingAAD binds a sealed key to its item.
func signingAAD(account, alg string) []byte {
	return []byte("iamgate outbound signing key v1/" + account + "/" + alg)
}

// newSigningKey makes a key for alg: RSA 2048 for RS256, P-384 for ES384.
func (o *Outbound) newSigningKey(account, alg string) ([]byte, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case "RS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES384":
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		return nil, fmt.Errorf("outbound: no signing algorithm %q", alg)
	}
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	jwk, err := publicJWK(priv.Public(), alg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(storedSigningKey{JWK: jwk, Sealed: o.sealer.Seal(der, signingAAD(account, alg)), Created: time.Now().UTC().Truncate(time.Second)})
}

// EnsureKeys makes the account's keys now (outside any transaction: an RSA
// key takes a while) and returns the write that stores those the account
// does not have.
func (o *Outbound) EnsureKeys(account string) (api.TxWrite, error) {
	made := map[string][]byte{}
	for _, alg := range api.OutboundAlgorithms {
		data, err := o.newSigningKey(account, alg)
		if err != nil {
			return nil, err
		}
		made[alg] = data
	}
	return func(ctx context.Context, tx store.Tx) error {
		for _, alg := range api.OutboundAlgorithms {
			k := outboundKey(account, alg)
			if _, err := tx.Get(ctx, k); err == nil {
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if _, err := tx.Put(ctx, k, made[alg], 0); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// key reads the account's key for alg, making and storing it when there is
// none (an account enabled by a world file has no keys until it is used).
// Of two servers making one at once, the first stored wins and both use it.
func (o *Outbound) key(ctx context.Context, account, alg string) (storedSigningKey, error) {
	var sk storedSigningKey
	if !slices.Contains(api.OutboundAlgorithms, alg) {
		return sk, fmt.Errorf("outbound: no signing algorithm %q", alg)
	}
	k := outboundKey(account, alg)
	for range 2 {
		it, err := o.st.Get(ctx, k)
		if err == nil {
			if err := json.Unmarshal(it.Data, &sk); err != nil {
				return sk, fmt.Errorf("outbound signing key %s/%s: %w", account, alg, err)
			}
			return sk, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return sk, err
		}
		data, err := o.newSigningKey(account, alg)
		if err != nil {
			return sk, err
		}
		if _, err := o.st.Put(ctx, k, data, 0); err != nil && !errors.Is(err, store.ErrConflict) {
			return sk, err
		}
	}
	return sk, fmt.Errorf("outbound signing key %s/%s: it keeps changing", account, alg)
}

// Sign signs claims as a compact JWS (RFC 7515) with the account's key for
// alg: the header names alg, the key's kid and typ JWT.
func (o *Outbound) Sign(ctx context.Context, account, alg string, claims []byte) (string, error) {
	sk, err := o.key(ctx, account, alg)
	if err != nil {
		return "", err
	}
	der, err := o.sealer.Open(sk.Sealed, signingAAD(account, alg))
	if err != nil {
		return "", fmt.Errorf("outbound signing key %s/%s cannot be unsealed (wrong master key?)", account, alg)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return "", fmt.Errorf("outbound signing key %s/%s: %w", account, alg, err)
	}
	var pub struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(sk.JWK, &pub); err != nil {
		return "", fmt.Errorf("outbound signing key %s/%s: %w", account, alg, err)
	}
	header, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{alg, pub.Kid, "JWT"})
	b64 := base64.RawURLEncoding
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(claims)
	var sig []byte
	switch key := parsed.(type) {
	case *rsa.PrivateKey:
		if alg != "RS256" {
			return "", fmt.Errorf("outbound signing key %s/%s is an RSA key", account, alg)
		}
		sum := sha256.Sum256([]byte(input))
		if sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:]); err != nil {
			return "", err
		}
	case *ecdsa.PrivateKey:
		if alg != "ES384" || key.Curve != elliptic.P384() {
			return "", fmt.Errorf("outbound signing key %s/%s is not a P-384 key", account, alg)
		}
		sum := sha512.Sum384([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
		if err != nil {
			return "", err
		}
		// JWS ES384: R and S, each as 48 big-endian bytes (RFC 7518
		// section 3.4).
		sig = append(r.FillBytes(make([]byte, 48)), s.FillBytes(make([]byte, 48))...)
	default:
		return "", fmt.Errorf("outbound signing key %s/%s: not an RSA or ECDSA key", account, alg)
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// JWKS is the account's public keys, one per algorithm.
func (o *Outbound) JWKS(ctx context.Context, account string) ([]byte, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	for _, alg := range api.OutboundAlgorithms {
		sk, err := o.key(ctx, account, alg)
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, sk.JWK)
	}
	return json.Marshal(set)
}

// publicJWK is a public key as a JWK with its RFC 7638 thumbprint as kid.
func publicJWK(pub crypto.PublicKey, alg string) ([]byte, error) {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	var thumb []byte
	var jwk map[string]string
	switch k := pub.(type) {
	case *rsa.PublicKey:
		n, e := b64(k.N.Bytes()), b64(big.NewInt(int64(k.E)).Bytes())
		// The thumbprint's members are the required ones, in
		// lexicographic order, with no white space (RFC 7638 section 3).
		thumb = fmt.Appendf(nil, `{"e":"%s","kty":"RSA","n":"%s"}`, e, n)
		jwk = map[string]string{"kty": "RSA", "n": n, "e": e}
	case *ecdsa.PublicKey:
		ecdh, err := k.ECDH()
		if err != nil {
			return nil, err
		}
		// The uncompressed point: 0x04, X and Y, each 48 bytes for P-384.
		raw := ecdh.Bytes()
		if len(raw) != 97 {
			return nil, errors.New("outbound: not a P-384 key")
		}
		x, y := b64(raw[1:49]), b64(raw[49:])
		thumb = fmt.Appendf(nil, `{"crv":"P-384","kty":"EC","x":"%s","y":"%s"}`, x, y)
		jwk = map[string]string{"kty": "EC", "crv": "P-384", "x": x, "y": y}
	default:
		return nil, errors.New("outbound: not an RSA or ECDSA key")
	}
	sum := sha256.Sum256(thumb)
	jwk["kid"], jwk["alg"], jwk["use"] = b64(sum[:]), alg, "sig"
	return json.Marshal(jwk)
}
