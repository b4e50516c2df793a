package world_test

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/world"
)

const refsWorld = `accounts:
  - id: "111122223333"
    users:
      - name: alice
        loginProfile: true
        mfaDevices: [arn:aws:iam::111122223333:mfa/alice]
    roles:
      - name: fn
        trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}
    instanceProfiles:
      - name: web
        roles: [fn]
    resources:
      - arn: arn:aws:lambda:us-east-1:111122223333:function:f
        role: arn:aws:iam::111122223333:role/fn
      - arn: arn:aws:ec2:us-east-1:111122223333:instance/i-1
        instanceProfile: arn:aws:iam::111122223333:instance-profile/web
`

// The fields escalation techniques read survive a load and an export.
func TestEscalationFieldsRoundTrip(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte(refsWorld))
	if err != nil {
		t.Fatal(err)
	}
	a := w.Accounts.Get("111122223333")
	if u := a.Users.Get("alice"); !u.LoginProfile || len(u.MFADevices) != 1 {
		t.Fatalf("user: %+v", u)
	}
	if r := a.Resources.Get("arn:aws:lambda:us-east-1:111122223333:function:f"); r.Role != "arn:aws:iam::111122223333:role/fn" {
		t.Fatalf("role: %q", r.Role)
	}
	if ip := w.InstanceProfileByARN("arn:aws:iam::111122223333:instance-profile/web"); ip == nil || ip.Roles[0] != "fn" {
		t.Fatalf("profile: %+v", ip)
	}
	out, err := yaml.Marshal(w.ToFile())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"loginProfile: true", "mfaDevices:", "role: arn:aws:iam::111122223333:role/fn", "instanceProfile: arn:aws:iam::111122223333:instance-profile/web", "instanceProfiles:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
	if _, err := world.Parse("again.yaml", out); err != nil {
		t.Fatalf("the export does not load: %v", err)
	}
}

// A bad value of a reference field is reported at file:line:col.
func TestEscalationFieldErrorsArePlaced(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"missing role", "role: arn:aws:iam::111122223333:role/fn", "role: arn:aws:iam::111122223333:role/nope", "w.yaml:15:15: account 111122223333 resource arn:aws:lambda:us-east-1:111122223333:function:f role \"arn:aws:iam::111122223333:role/nope\": no such role in the world"},
		{"not a role", "role: arn:aws:iam::111122223333:role/fn", "role: fn", "w.yaml:15:15: "},
		{"missing profile", "instance-profile/web", "instance-profile/db", "w.yaml:17:26: "},
		{"bad mfa", "mfaDevices: [arn:aws:iam::111122223333:mfa/alice]", "mfaDevices: [arn:aws:iam::999999999999:mfa/alice]", "w.yaml:6:22: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := world.Parse("w.yaml", []byte(strings.Replace(refsWorld, tc.from, tc.to, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			var fe *world.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, world.ErrBadReference) {
				t.Fatalf("not a FieldError: %T", err)
			}
		})
	}
}
