package console

import (
	"context"
	"fmt"
	"net/url"
)

// FirstPassword gives a user, the administrator a first start created, a
// console password: IAM's CreateLoginProfile run as that user, with
// PasswordResetRequired, so that the first sign-in chooses another. Like
// the rest of the first start, it is not in the audit log: no one called
// it. It returns the password, to be shown once.
func (c *Console) FirstPassword(ctx context.Context, account, user string) (string, error) {
	w := c.cfg.State.World()
	u := userOf(w, account, user)
	if u == nil {
		return "", fmt.Errorf("console: no user %s in account %s", user, account)
	}
	caller, err := w.Caller(u.ARN())
	if err != nil {
		return "", err
	}
	// 24 characters: 20 random ones (base64url: letters, digits, - and _)
	// and one of each class, for any password policy of the default
	// length.
	pw := randomToken()[:20] + "-Aa1"
	a := &actor{caller: caller, context: map[string][]string{"aws:RequestedRegion": {region}, "aws:SecureTransport": {"false"}}}
	params := url.Values{"UserName": {user}, "Password": {pw}, "PasswordResetRequired": {"true"}}
	unaudited := *c
	unaudited.cfg.Audit = nil
	if f := unaudited.iamCall(ctx, a, "CreateLoginProfile", params, nil); f != nil {
		return "", fmt.Errorf("console: the first password of %s: %s: %s", user, f.Code, f.Text())
	}
	return pw, nil
}
