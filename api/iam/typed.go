package iam

import (
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/world"
)

// noInput and noOutput are the input and output of an operation whose
// model has no input or output shape.
type (
	noInput  struct{}
	noOutput struct{}
)

// typedShapes records, per operation served by a typed handler, its input
// and output types, so that a test can check them against the model's
// shapes for the operation.
var typedShapes = map[string][2]reflect.Type{}

// registerTyped serves operation name with h, which takes the operation's
// typed input (api/shape/iamshape, decoded from the request's parameters
// after api/model validated them) and returns its typed output, or nil.
func registerTyped[I, O any](name string, h func(c *api.Call, in *I) (*O, *query.Error)) {
	typedShapes[name] = [2]reflect.Type{reflect.TypeFor[I](), reflect.TypeFor[O]()}
	Operations[name] = api.QueryTyped(h)
}

// page is a list's IsTruncated and Marker, typed.
func (p listPage) typed() (*bool, string) { return shape.Ptr(p.IsTruncated), p.Marker }

// createdAt is a required timestamp member (CreateDate): the zero time,
// which shape.At would leave out, is written as 1970-01-01T00:00:00Z, as
// the untyped handlers write it.
func createdAt(t time.Time) *shape.Time {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return &shape.Time{Time: t.UTC()}
}

// pageAt is pageOf for a typed request's Marker and MaxItems: items in key
// order after marker, at most maxItems of them (defaultMaxItems when not
// given; the model's maxItemsType bounds it, 1 to 1000).
func pageAt[T any](items []T, key func(T) string, marker string, maxItems *int32) ([]T, listPage) {
	max := defaultMaxItems
	if maxItems != nil {
		max = int(*maxItems)
	}
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := 0
	if marker != "" {
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > marker })
	}
	out := items[start:]
	if len(out) > max {
		return out[:max], listPage{IsTruncated: true, Marker: key(out[max-1])}
	}
	return out, listPage{}
}

// userTyped is a user as the model's User.
func userTyped(acct string, u *world.FileUser) iamshape.User {
	return iamshape.User{Path: cleanPath(u.Path), UserName: u.Name, UserId: u.ID, Arn: iamARN(acct, "user", u.Path, u.Name), CreateDate: createdAt(u.Created),
		PermissionsBoundary: boundaryShape(u.PermissionsBoundary), Tags: tagShapes(u.Tags)}
}

// listedUser is a user as GetGroup and ListUsers list it: without its tags
// and boundary, as IAM leaves them out.
func listedUser(acct string, u *world.FileUser) iamshape.User {
	out := userTyped(acct, u)
	out.Tags, out.PermissionsBoundary = nil, nil
	return out
}

// tagShapes is a tag map as the model's tag list, in key order.
func tagShapes(m map[string]string) shape.List[iamshape.Tag] {
	var out shape.List[iamshape.Tag]
	for _, t := range tagList(m) {
		out = append(out, iamshape.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// boundaryShape is a permissions boundary ARN as the model's
// AttachedPermissionsBoundary (nil without one).
func boundaryShape(arn string) *iamshape.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &iamshape.AttachedPermissionsBoundary{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn}
}

// tagPairs is a typed request's tags as the untyped tag functions take
// them (tagContext, withTags, tagMap): key and value pairs in request order.
func tagPairs(tags shape.List[iamshape.Tag]) [][2]string {
	out := make([][2]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, [2]string{t.Key, t.Value})
	}
	return out
}

// roleTyped is a role as the model's Role (without RoleLastUsed), with its
// trust policy when withDocument.
func roleTyped(acct string, r *world.FileRole, withDocument bool) iamshape.Role {
	out := iamshape.Role{Path: cleanPath(r.Path), RoleName: r.Name, RoleId: r.ID, Arn: iamARN(acct, "role", r.Path, r.Name),
		CreateDate: createdAt(r.Created), Description: r.Description, MaxSessionDuration: shape.Ptr(int32(r.MaxSessionDuration)),
		PermissionsBoundary: boundaryShape(r.PermissionsBoundary), Tags: tagShapes(r.Tags)}
	if r.MaxSessionDuration == 0 {
		*out.MaxSessionDuration = 3600
	}
	if withDocument {
		out.AssumeRolePolicyDocument = encodeDocument(r.TrustPolicy.JSON())
	}
	return out
}

// policyARN checks a PolicyArn member as policyARNParam does: the model
// admits any string of 20 to 2048 characters, IAM only an ARN.
func policyARN(ref string) (string, *query.Error) {
	if !strings.HasPrefix(ref, "arn:") || len(ref) < 20 {
		return "", awserr.ValidationError("ARN %s is not valid.", ref)
	}
	return ref, nil
}

// awsManagedPrefix is how the ARN of an AWS managed policy begins in the
// aws partition, this server's (every ARN it writes is arn:aws:).
const awsManagedPrefix = "arn:aws:iam::aws:policy/"

// usablePolicy is the managed policy ref names that the caller's account
// may attach or set as a boundary (world.PolicyFor), named by its own ARN:
// the catalog finds an AWS managed policy under any partition, and under
// anything before ":iam::aws:policy/", so that arn:aws-cn:iam::aws:policy/X
// would be stored and used as X while iam:PolicyARN and
// iam:PermissionsBoundary carried a spelling no condition on X's ARN
// matches. Such an ARN is a policy the account does not have.
func usablePolicy(c *api.Call, ref string) (*world.ManagedPolicy, bool) {
	if !strings.HasPrefix(ref, "arn:") || catalog.IsAWSManagedARN(ref) && !strings.HasPrefix(ref, awsManagedPrefix) {
		return nil, false
	}
	return c.State.World().PolicyFor(c.Account(), ref)
}

// callerUser is the user a request is about: userName, or, when the
// request leaves it out, the caller when the caller is an IAM user.
func callerUser(c *api.Call, userName string) (string, *query.Error) {
	if userName != "" {
		return userName, nil
	}
	if c.Caller.User != nil {
		return c.Caller.User.Name, nil
	}
	return "", awserr.ValidationError("Must specify userName when calling with non-User credentials")
}

// authorizeCreateWith authorizes creating a user or role with the
// request's tags: it checks them, authorizes iam:Create<Kind> with their
// context and iam:PermissionsBoundary, and iam:Tag<Kind> when there are
// tags (the IAM User Guide, "Permissions required to tag IAM entities"),
// then checks that the boundary is an existing managed policy.
func authorizeCreateWith(c *api.Call, kind, path, name, bnd string, tags [][2]string) *query.Error {
	tagCtx, e := tagContext(tags, 0)
	if e != nil {
		return e
	}
	arn := iamARN(c.Account(), kind, path, name)
	if e := c.Authorize("iam:Create"+noun(kind), arn, merge(tagCtx, boundaryContext(bnd))); e != nil {
		return e
	}
	if len(tags) > 0 {
		if e := c.Authorize("iam:Tag"+noun(kind), arn, tagCtx); e != nil {
			return e
		}
	}
	return checkBoundary(c, bnd)
}
