package analysis

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/world"
)

// The whole-world diff against brute force: for pairs of small generated
// worlds (one a mutation of the other: a resource or trust policy
// rewritten, an identity policy replaced, a managed policy changed, a tag
// or group membership changed, an SCP or RCP detached, an account moved,
// a boundary dropped), DiffWorlds, which decides again only the principals
// and resources whose gathered parts differ, equals deciding every
// principal x action x resource of both worlds (NoPrune); and every row's
// formula is checked, independently of the joint analysis, on sample
// contexts (its witnesses and those of each world's own allowed-if) with
// the engine: the formula holds exactly where NEW allows and OLD does not.

// mutate changes a small world's file in place: n random edits.
func mutate(fw map[string]any, g *gen, r *rand.Rand, n int) []string {
	var did []string
	accounts := fw["accounts"].([]any)
	for i := 0; i < n; i++ {
		acct := accounts[r.Intn(len(accounts))].(map[string]any)
		id := acct["id"].(string)
		g.r = r
		switch r.Intn(9) {
		case 0:
			res, _ := acct["resources"].([]any)
			if len(res) == 0 {
				continue
			}
			rm := res[r.Intn(len(res))].(map[string]any)
			target := "*"
			if strings.HasPrefix(rm["arn"].(string), "arn:aws:s3:::") {
				target = rm["arn"].(string) + "/*"
			}
			rm["policy"] = g.resourcePolicy(target)
			did = append(did, "resource policy of "+rm["arn"].(string))
		case 1:
			roles := acct["roles"].([]any)
			rm := roles[r.Intn(len(roles))].(map[string]any)
			rm["trustPolicy"] = g.trust(id)
			did = append(did, "trust of "+id+" "+rm["name"].(string))
		case 2:
			roles := acct["roles"].([]any)
			rm := roles[r.Intn(len(roles))].(map[string]any)
			rm["policies"] = []any{map[string]any{"name": "i", "document": g.policy(1+r.Intn(2), r.Intn(2) == 0)}}
			did = append(did, "role policy of "+id+" "+rm["name"].(string))
		case 3:
			users := acct["users"].([]any)
			um := users[r.Intn(len(users))].(map[string]any)
			switch r.Intn(3) {
			case 0:
				um["policies"] = []any{map[string]any{"name": "i", "document": g.policy(1, r.Intn(2) == 0)}}
			case 1:
				if _, ok := um["groups"]; ok {
					delete(um, "groups")
				} else {
					um["groups"] = []string{"g"}
				}
			case 2:
				um["tags"] = map[string]string{"team": g.pick([]string{"red", "blue"})}
			}
			did = append(did, "user "+id+" "+um["name"].(string))
		case 4:
			for _, p := range acct["policies"].([]any) {
				pm := p.(map[string]any)
				if pm["name"] == "Shared" {
					pm["document"] = g.policy(1, r.Intn(2) == 0)
				}
			}
			did = append(did, "managed policy Shared of "+id)
		case 5:
			groups := acct["groups"].([]any)
			gm := groups[0].(map[string]any)
			gm["policies"] = []any{map[string]any{"name": "gi", "document": g.policy(1, r.Intn(2) == 0)}}
			did = append(did, "group policy of "+id)
		case 6, 7:
			org, ok := fw["organization"].(map[string]any)
			if !ok {
				continue
			}
			root := org["root"].(map[string]any)
			ou := root["ous"].([]any)[0].(map[string]any)
			switch r.Intn(4) {
			case 0:
				ou["scps"] = []string{"FullAWSAccess"}
				did = append(did, "SCP Guard detached")
			case 1:
				ou["rcps"] = []string{"RCPFullAWSAccess"}
				did = append(did, "RCP Perim detached")
			case 2:
				accts := ou["accounts"].([]string)
				if len(accts) == 0 {
					continue
				}
				root["accounts"] = append(root["accounts"].([]string), accts[0])
				ou["accounts"] = accts[1:]
				did = append(did, "account "+accts[0]+" moved to the root")
			case 3:
				pols := org["policies"].(map[string]any)
				pols["Guard"] = map[string]any{"type": "scp", "document": map[string]any{"Version": "2012-10-17", "Statement": []any{
					map[string]any{"Effect": "Deny", "Action": g.pick([]string{"s3:*", "sqs:SendMessage", "kms:*"}), "Resource": "*"}}}}
				did = append(did, "SCP Guard rewritten")
			}
		case 8:
			for _, x := range []string{"users", "roles"} {
				for _, e := range acct[x].([]any) {
					delete(e.(map[string]any), "permissionsBoundary")
				}
			}
			did = append(did, "boundaries of "+id+" dropped")
		}
	}
	return did
}

// diffPair returns a generated world and a mutation of it.
func diffPair(t testing.TB, seed int64) (old, new *world.World, did []string) {
	t.Helper()
	fw, g := smallWorldFile(seed)
	old = parseSmallWorld(t, seed, fw)
	// A deep copy through JSON, then edits.
	data, err := json.Marshal(fw)
	if err != nil {
		t.Fatal(err)
	}
	var cp map[string]any
	if err := json.Unmarshal(data, &cp); err != nil {
		t.Fatal(err)
	}
	fixStringLists(cp)
	r := rand.New(rand.NewSource(seed * 7919))
	did = mutate(cp, g, r, 1+r.Intn(2))
	new = parseSmallWorld(t, seed, cp)
	return old, new, did
}

// fixStringLists turns the OU account lists back into []string after a
// JSON round trip, for mutate.
func fixStringLists(fw map[string]any) {
	org, ok := fw["organization"].(map[string]any)
	if !ok {
		return
	}
	var fix func(ou map[string]any)
	fix = func(ou map[string]any) {
		for _, k := range []string{"accounts", "scps", "rcps"} {
			if l, ok := ou[k].([]any); ok {
				s := make([]string, len(l))
				for i, v := range l {
					s[i] = v.(string)
				}
				ou[k] = s
			}
		}
		if ous, ok := ou["ous"].([]any); ok {
			for _, o := range ous {
				fix(o.(map[string]any))
			}
		}
	}
	fix(org["root"].(map[string]any))
}

func rowText(rows []*DiffRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s %s %s %s %v %s", r.Principal, r.Action, r.Resource, r.Decision, r.AllowedIf, r.Construct))
	}
	sort.Strings(out)
	return out
}

// checkRow checks a row's formula on sample contexts against the engine
// deciding both worlds: the formula holds exactly where after allows and
// before does not.
func checkRow(t *testing.T, after, before *world.World, opt DiffOptions, row *DiffRow) {
	t.Helper()
	if row.Decision == DecisionUnknown {
		return
	}
	prep := func(w *world.World) (*world.Caller, func(map[string][]string) bool, []map[string][]string) {
		c, err := w.Caller(callerName(row.Principal))
		if err != nil {
			return nil, func(map[string][]string) bool { return false }, nil
		}
		q, err := w.Prepare(world.Request{Caller: c, Action: strings.ToLower(row.Action), Resource: row.Resource, Context: opt.Context, Time: opt.Time})
		if err != nil {
			t.Fatal(err)
		}
		u := relevantUnknown(q, row.Action)
		res, err := AllowedIf(q, Options{Unknown: u})
		if err != nil {
			t.Fatalf("%s %s %s: %v", row.Principal, row.Action, row.Resource, err)
		}
		return c, func(w map[string][]string) bool { return allowsWith(q, u, w) }, res.Witnesses
	}
	_, allowsAfter, wa := prep(after)
	_, allowsBefore, wb := prep(before)
	cf, err := row.AllowedIf.Compile()
	if err != nil {
		t.Fatal(err)
	}
	points := append(append(append([]map[string][]string{{}}, row.Witnesses...), wa...), wb...)
	for i, p := range points {
		ctx := mapContext{}
		for k, v := range p {
			ctx[strings.ToLower(k)] = v
		}
		want := allowsAfter(p) && !allowsBefore(p)
		if got := cf.Eval(ctx); got != want {
			t.Fatalf("%s %s %s: formula %v on %v (point %d): %v, engine says after && !before = %v", row.Principal, row.Action, row.Resource, row.AllowedIf, p, i, got, want)
		}
		if i > 0 && i <= len(row.Witnesses) && !want {
			t.Fatalf("%s %s %s: witness %v not new", row.Principal, row.Action, row.Resource, p)
		}
	}
}

func TestWorldDiffDifferential(t *testing.T) {
	pairs := 24
	if testing.Short() {
		pairs = 12
	}
	if longRun() {
		pairs = 150
	}
	services := [][]string{{"sqs", "kms", "sts"}, {"s3", "sts"}}
	var rows, removed, widened, conditional, prunedDecided, fullDecided, empty int
	for seed := int64(0); seed < int64(pairs); seed++ {
		old, new, did := diffPair(t, 500+seed)
		opt := DiffOptions{Services: services[seed%2], Time: diffTime, Removed: true}
		got, err := DiffWorlds(old, new, opt)
		if err != nil {
			t.Fatalf("seed %d (%v): %v", 500+seed, did, err)
		}
		opt.NoPrune = true
		want, err := DiffWorlds(old, new, opt)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := rowText(got.New), rowText(want.New); fmt.Sprint(g) != fmt.Sprint(w) {
			t.Fatalf("seed %d (%v): new access\n only pruned %v\nonly brute force %v\nchanged principals %v resources %v", 500+seed, did, minus(g, w), minus(w, g), got.ChangedPrincipals, got.ChangedResources)
		}
		if g, w := rowText(got.Removed), rowText(want.Removed); fmt.Sprint(g) != fmt.Sprint(w) {
			t.Fatalf("seed %d (%v): removed access\n only pruned %v\nonly brute force %v", 500+seed, did, minus(g, w), minus(w, g))
		}
		for _, r := range got.New {
			checkRow(t, new, old, opt, r)
			rows++
			if r.Before == BeforeAllowedIf {
				widened++
			}
			if r.Decision == DecisionAllowedIf {
				conditional++
			}
		}
		for _, r := range got.Removed {
			checkRow(t, old, new, opt, r)
			removed++
		}
		if len(got.New)+len(got.Removed) == 0 {
			empty++
		}
		prunedDecided += got.Decided
		fullDecided += want.Decided
	}
	t.Logf("%d world pairs: the pruned diff equals brute force; %d new rows (%d allowedIf, %d widenings), %d removed, %d pairs without change; %d requests decided pruned, %d brute force", pairs, rows, conditional, widened, removed, empty, prunedDecided, fullDecided)
	if rows == 0 || removed == 0 || conditional == 0 {
		t.Fatal("the generator exercises too little")
	}
}

// An unchanged world (parsed twice, so no pointer is shared) has no rows
// and no change set.
func TestWorldDiffUnchanged(t *testing.T) {
	for seed := int64(0); seed < 4; seed++ {
		a, b := smallWorld(t, seed), smallWorld(t, seed)
		d, err := DiffWorlds(a, b, DiffOptions{Services: []string{"s3", "sqs", "kms", "sts"}, Time: diffTime, Removed: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.New)+len(d.Removed)+len(d.ChangedPrincipals)+len(d.ChangedResources) != 0 || d.Decided != 0 {
			t.Fatalf("seed %d: %v %v %v %v", seed, rowText(d.New), rowText(d.Removed), d.ChangedPrincipals, d.ChangedResources)
		}
	}
}

func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	if len(out) > 12 {
		out = append(out[:12], fmt.Sprintf("... %d more", len(out)-12))
	}
	return out
}

// Where the answer cannot be exact the row is UNKNOWN, naming the
// construct (here a key compared by two operator families), never a
// guess; and a widening is exactly the new part of the condition.
func TestWorldDiffUnknownAndWidening(t *testing.T) {
	build := func(cond string) *world.World {
		t.Helper()
		doc := `{"accounts":[{"id":"111111111111","users":[{"name":"u","policies":[{"name":"p","document":{"Version":"2012-10-17","Statement":[` +
			`{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111111111111:q"` + cond + `}]}}]}],` +
			`"resources":[{"arn":"arn:aws:sqs:us-east-1:111111111111:q"}]}]}`
		w, err := world.Parse("w.json", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	opt := DiffOptions{Services: []string{"sqs"}, Time: diffTime}
	// Widening: before only in eu-west-1, after in any eu- region.
	d, err := DiffWorlds(build(`,"Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}`), build(`,"Condition":{"StringLike":{"aws:RequestedRegion":"eu-*"}}`), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.New) != 1 || d.New[0].Before != BeforeAllowedIf || d.New[0].Decision != DecisionAllowedIf {
		t.Fatalf("widening: %v", rowText(d.New))
	}
	cf, err := d.New[0].AllowedIf.Compile()
	if err != nil {
		t.Fatal(err)
	}
	for region, want := range map[string]bool{"eu-west-1": false, "eu-central-1": true, "us-east-1": false} {
		if got := cf.Eval(mapContext{"aws:requestedregion": {region}}); got != want {
			t.Errorf("widening %v on %s: %v, want %v", d.New[0].AllowedIf, region, got, want)
		}
	}
	if cf.Eval(mapContext{}) {
		t.Errorf("widening %v holds without the key", d.New[0].AllowedIf)
	}
	// UNKNOWN: aws:x compared as a number and as a string.
	d, err = DiffWorlds(build(""), build(`,"Condition":{"NumericEquals":{"aws:x":"1"},"StringLike":{"aws:x":"1*"}}`), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.New) != 1 || d.New[0].Decision != DecisionUnknown || d.New[0].Construct == "" {
		t.Fatalf("unknown: %v", rowText(d.New))
	}
	t.Logf("UNKNOWN: %s", d.New[0].Construct)
}
