package credential

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// PasswordPolicy is an account's password policy, with IAM's fields
// (the IAM API Reference, UpdateAccountPasswordPolicy and the
// PasswordPolicy data type). Zero values are IAM's defaults for a policy
// that is set: MinimumPasswordLength 6 when 0, passwords that never
// expire, reuse allowed.
type PasswordPolicy struct {
	MinimumPasswordLength      int  `json:"minimumPasswordLength"`
	RequireSymbols             bool `json:"requireSymbols"`
	RequireNumbers             bool `json:"requireNumbers"`
	RequireUppercaseCharacters bool `json:"requireUppercaseCharacters"`
	RequireLowercaseCharacters bool `json:"requireLowercaseCharacters"`
	AllowUsersToChangePassword bool `json:"allowUsersToChangePassword"`
	// MaxPasswordAge is in days; 0 means passwords never expire.
	MaxPasswordAge int `json:"maxPasswordAge,omitempty"`
	// PasswordReusePrevention is how many previous passwords may not be
	// used again; 0 means any.
	PasswordReusePrevention int  `json:"passwordReusePrevention,omitempty"`
	HardExpiry              bool `json:"hardExpiry,omitempty"`
}

// MinLength is the policy's minimum length (6 when not given, as
// UpdateAccountPasswordPolicy documents).
func (p PasswordPolicy) MinLength() int {
	if p.MinimumPasswordLength == 0 {
		return 6
	}
	return p.MinimumPasswordLength
}

// Symbols are the characters IAM counts as symbols (the IAM API
// Reference, PasswordPolicy.RequireSymbols).
const Symbols = "!@#$%^&*()_+-=[]{}|'"

// MaxPasswordLength is IAM's longest password (the botocore model,
// iam passwordType: max 128).
const MaxPasswordLength = 128

// A PolicyViolation is a password the policy refuses; Rules names each
// rule it breaks, for people (IAM's answer is only
// "Password does not conform to the account password policy.").
type PolicyViolation struct {
	Rules []string
}

func (v *PolicyViolation) Error() string {
	return "the password does not conform to the account password policy: " + strings.Join(v.Rules, "; ")
}

// DefaultPolicy marks the rules IAM applies when an account has no
// password policy of its own (the IAM User Guide, "Set an account password
// policy for IAM users", Default password policy): at least 8 characters,
// at least three of uppercase letters, lowercase letters, numbers and
// symbols, and not the account's name or email address.
type DefaultPolicy struct {
	AccountName, Email string
}

// Check tells whether a password satisfies the policy (policy nil: IAM's
// default policy, with def's names). It returns nil or a *PolicyViolation.
func Check(policy *PasswordPolicy, def DefaultPolicy, password string) error {
	var rules []string
	n := utf8.RuneCountInString(password)
	var upper, lower, digit, symbol bool
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(Symbols, r):
			symbol = true
		}
	}
	if policy == nil {
		if n < 8 {
			rules = append(rules, "at least 8 characters")
		}
		kinds := 0
		for _, b := range []bool{upper, lower, digit, symbol} {
			if b {
				kinds++
			}
		}
		if kinds < 3 {
			rules = append(rules, "at least three of uppercase letters, lowercase letters, numbers and symbols")
		}
		if (def.AccountName != "" && password == def.AccountName) || (def.Email != "" && strings.EqualFold(password, def.Email)) {
			rules = append(rules, "not the account's name or email address")
		}
	} else {
		if n < policy.MinLength() {
			rules = append(rules, fmt.Sprintf("at least %d characters", policy.MinLength()))
		}
		if policy.RequireUppercaseCharacters && !upper {
			rules = append(rules, "an uppercase letter (A to Z)")
		}
		if policy.RequireLowercaseCharacters && !lower {
			rules = append(rules, "a lowercase letter (a to z)")
		}
		if policy.RequireNumbers && !digit {
			rules = append(rules, "a number (0 to 9)")
		}
		if policy.RequireSymbols && !symbol {
			rules = append(rules, "a symbol ("+Symbols+")")
		}
	}
	if n > MaxPasswordLength {
		rules = append(rules, fmt.Sprintf("at most %d characters", MaxPasswordLength))
	}
	if rules != nil {
		return &PolicyViolation{Rules: rules}
	}
	return nil
}

// Argon2id parameters: RFC 9106's second recommended option (64 MiB,
// three passes) is too slow for a test server answering many sign-ins on
// two cores; these are OWASP's minimum for Argon2id (19 MiB, two passes,
// one lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashPassword returns an encoded Argon2id hash of the password with a
// fresh salt: "$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH".
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return encodeHash(salt, argonTime, argonMemory, argonThreads, argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)), nil
}

func encodeHash(salt []byte, t, m uint32, p uint8, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword tells whether password is the one hashed. A hash it cannot
// read matches nothing.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 || len(key) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// Requirements words the rules a new password must meet under a policy
// (policy nil: IAM's default policy), for people choosing one. Check
// applies the same rules.
func Requirements(policy *PasswordPolicy) []string {
	if policy == nil {
		return []string{"at least 8 characters", "at least three of uppercase letters, lowercase letters, numbers and symbols", "not the account's name or email address"}
	}
	out := []string{fmt.Sprintf("at least %d characters", policy.MinLength())}
	if policy.RequireUppercaseCharacters {
		out = append(out, "an uppercase letter (A to Z)")
	}
	if policy.RequireLowercaseCharacters {
		out = append(out, "a lowercase letter (a to z)")
	}
	if policy.RequireNumbers {
		out = append(out, "a number (0 to 9)")
	}
	if policy.RequireSymbols {
		out = append(out, "a symbol ("+Symbols+")")
	}
	if policy.PasswordReusePrevention > 0 {
		out = append(out, fmt.Sprintf("none of your last %d passwords", policy.PasswordReusePrevention))
	}
	return out
}

// Expired tells whether a password set at changed has expired at now under
// the policy's MaxPasswordAge: "The number of days that an IAM user
// password is valid" (the botocore model, iam PasswordPolicy; 0 never
// expires). With HardExpiry, an expired password cannot be changed in the
// console: "The IAM user cannot access the console until an administrator
// resets the password."
func (p PasswordPolicy) Expired(changed, now time.Time) bool {
	return p.MaxPasswordAge > 0 && !changed.IsZero() && !now.Before(changed.AddDate(0, 0, p.MaxPasswordAge))
}
