package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/importer"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

type importParams struct {
	store     string
	gaad      []string
	worldFile string
	org       string
	resources []string
	replace   bool
	// cloudtrail are CloudTrail log files or directories of them.
	cloudtrail []string
	// progress, when not nil, shows a progress bar of the CloudTrail
	// import.
	progress io.Writer
}

func newImportCmd() *cobra.Command {
	var p importParams
	cmd := &cobra.Command{
		Use:   "import [GAAD.json...]",
		Short: "Import accounts, an organization and resource policies into the store",
		Long: `Reads aws iam get-account-authorization-details output (one file per account),
an organization file (--org: a YAML or JSON file with a world file's
organization section), resource policies (--resource-policy ARN=FILE, or
ARN=FILE@ACCOUNT for ARNs that name no account, such as S3 buckets) and world
files (--world), and writes the result into the store. An imported account's
users, groups, roles and policies replace what the store held for it; its
resources and organization placement are kept. A world file's account
replaces the stored account whole.

The store may be serving: the import is one transaction, the servers see it
within about a second, and what they write meanwhile is not lost. An import
that would change or remove anything the store holds (an account's users,
groups, roles, policies or resources, a resource policy, the organization)
is refused, exit 2, with what it would replace, unless --replace is given;
new accounts and new items need no --replace, and importing what the store
already holds changes nothing. Accounts the import does not name are never
touched. Nothing is written unless the whole result is a valid world.

--cloudtrail FILE|DIR reads CloudTrail log files (*.json and *.json.gz
under a directory) and stores their events in the audit log, marked
"source": "cloudtrail", in one transaction after the world import: access
advisor, iamgate audit, access unused and generate read them. A malformed
record stops the import, naming the file and the record's index, and
nothing of it is stored.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			p.gaad = args
			if f, ok := cmd.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				p.progress = f
			}
			if code, err := runImport(cmd.Context(), p, cmd.OutOrStdout()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	addStoreFlag(cmd, &p.store)
	cmd.Flags().StringVar(&p.worldFile, "world", "", "a world file to import (its accounts and organization, merged like the others)")
	cmd.Flags().StringVar(&p.org, "org", "", "an organization file (YAML or JSON with an organization section)")
	cmd.Flags().StringArrayVar(&p.resources, "resource-policy", nil, "ARN=FILE or ARN=FILE@ACCOUNT: a resource policy (repeatable)")
	cmd.Flags().StringArrayVar(&p.cloudtrail, "cloudtrail", nil, "a CloudTrail log file (JSON, gzipped or not) or a directory of them: its events go into the audit log (repeatable)")
	cmd.Flags().BoolVar(&p.replace, "replace", false, "let the import replace what the store holds of the accounts and the organization it names")
	return cmd
}

// ReplaceError is an import refused because it would replace what the
// store holds; --replace allows it.
type ReplaceError struct {
	// Accounts are the stored accounts the import would change, each with
	// what of it would be changed or removed.
	Accounts []AccountReplaced
	// Organization is the stored organization the import would replace
	// (nil when it would not).
	Organization *OrganizationReplaced
}

// AccountReplaced is a stored account and what an import would change or
// remove of it.
type AccountReplaced struct {
	ID    string
	Items []store.Key
}

// OrganizationReplaced is the stored organization an import would replace.
type OrganizationReplaced struct {
	ID, ManagementAccount string
	// Accounts are the stored organization's accounts; LeftOutside those
	// of them that the imported organization does not hold, which would be
	// left outside any organization.
	Accounts, LeftOutside []string
}

// maxListed is how many of an account's items a refusal names.
const maxListed = 10

func (e *ReplaceError) empty() bool { return len(e.Accounts) == 0 && e.Organization == nil }

func (e *ReplaceError) Error() string {
	return "the import would replace what the store holds; nothing was written (give --replace to replace it):" + e.list(false)
}

// list is what would be (done: was) replaced, a line for the
// organization and one for each account.
func (e *ReplaceError) list(done bool) string {
	var b strings.Builder
	if o := e.Organization; o != nil {
		id := o.ID
		if id == "" {
			id = "(no ID)"
		}
		fmt.Fprintf(&b, "\n  organization %s, management account %s, accounts %s", id, o.ManagementAccount, strings.Join(o.Accounts, ", "))
		if len(o.LeftOutside) > 0 {
			fate := "they would be left outside any organization"
			if done {
				fate = "they are now outside any organization"
			}
			fmt.Fprintf(&b, "\n    the imported organization does not hold %s: %s", strings.Join(o.LeftOutside, ", "), fate)
		}
	}
	for _, a := range e.Accounts {
		var items []string
		for _, k := range a.Items {
			if k.Kind == store.KindAccount {
				items = append(items, "its settings (name, tags, SCPs, instance profiles)")
				continue
			}
			items = append(items, string(k.Kind)+" "+k.Name)
		}
		if len(items) > maxListed {
			items = append(items[:maxListed], fmt.Sprintf("and %d more", len(items)-maxListed))
		}
		fmt.Fprintf(&b, "\n  account %s: %s", a.ID, strings.Join(items, ", "))
	}
	return b.String()
}

// imported is what the files to import hold, read before the store is
// opened.
type imported struct {
	world     *world.FileWorld // --world, or nil
	accounts  []world.FileAccount
	org       []byte
	resources []resourcePolicy
}

type resourcePolicy struct {
	account, arn string
	doc          []byte
}

func readImport(p importParams, stdout io.Writer) (*imported, error) {
	in := &imported{}
	if p.worldFile != "" {
		w, err := world.LoadFile(p.worldFile)
		if err != nil {
			return nil, err
		}
		in.world = w.ToFile()
	}
	for _, f := range p.gaad {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		fa, err := importer.ParseGAAD(f, data)
		if err != nil {
			return nil, err
		}
		in.accounts = append(in.accounts, fa)
		fmt.Fprintf(stdout, "%s: account %s: %d users, %d groups, %d roles, %d policies\n", f, fa.ID, len(fa.Users), len(fa.Groups), len(fa.Roles), len(fa.Policies))
	}
	if p.org != "" {
		data, err := os.ReadFile(p.org)
		if err != nil {
			return nil, err
		}
		// Checked now, so that a bad file fails before the store opens.
		if err := importer.MergeOrganization(&world.FileWorld{}, p.org, data); err != nil {
			return nil, err
		}
		in.org = data
	}
	for _, spec := range p.resources {
		res, file, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("--resource-policy %q: want ARN=FILE or ARN=FILE@ACCOUNT", spec)
		}
		account := ""
		if i := strings.LastIndexByte(file, '@'); i >= 0 && arn.IsAccountID(file[i+1:]) {
			file, account = file[:i], file[i+1:]
		}
		parsed, err := arn.Parse(res)
		if err != nil {
			return nil, fmt.Errorf("--resource-policy %q: %v", spec, err)
		}
		if account == "" {
			account = parsed.AccountID
		}
		if !arn.IsAccountID(account) {
			return nil, fmt.Errorf("--resource-policy %q: the ARN names no account; add @ACCOUNT", spec)
		}
		doc, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		in.resources = append(in.resources, resourcePolicy{account, res, doc})
	}
	return in, nil
}

// merge applies the import to a world file: world file, then
// get-account-authorization-details files, then the organization file,
// then resource policies.
func (in *imported) merge(fw *world.FileWorld, orgFile string) error {
	if in.world != nil {
		for _, a := range in.world.Accounts {
			replaceAccount(fw, a)
		}
		if in.world.Organization != nil {
			fw.Organization = in.world.Organization
		}
	}
	for _, fa := range in.accounts {
		importer.Merge(fw, fa)
	}
	if in.org != nil {
		if err := importer.MergeOrganization(fw, orgFile, in.org); err != nil {
			return err
		}
	}
	for _, r := range in.resources {
		importer.AddResourcePolicy(fw, r.account, r.arn, r.doc)
	}
	return nil
}

// invalidWorldError: the import's result does not build.
type invalidWorldError struct{ err error }

func (e invalidWorldError) Error() string {
	return fmt.Sprintf("the imported world is not valid, nothing was written:\n%v", e.err)
}

func runImport(ctx context.Context, p importParams, stdout io.Writer) (int, error) {
	if len(p.gaad) == 0 && p.worldFile == "" && p.org == "" && len(p.resources) == 0 {
		if len(p.cloudtrail) > 0 {
			return runImportCloudTrail(ctx, p, stdout)
		}
		return ExitUsage, fmt.Errorf("nothing to import: give get-account-authorization-details files, --world, --org, --resource-policy or --cloudtrail")
	}
	if len(p.cloudtrail) > 0 {
		if code, err := runImport(ctx, importParams{store: p.store, gaad: p.gaad, worldFile: p.worldFile, org: p.org, resources: p.resources, replace: p.replace}, stdout); code != ExitOK {
			return code, err
		}
		return runImportCloudTrail(ctx, importParams{store: p.store, cloudtrail: p.cloudtrail, progress: p.progress}, stdout)
	}
	in, err := readImport(p, stdout)
	if err != nil {
		return ExitUsage, err
	}
	s, err := createStore(ctx, p.store)
	if err != nil {
		return ExitUsage, err
	}
	defer s.Close()
	var n int
	var replaced *ReplaceError
	// One write transaction: what it reads of the store is what it
	// replaces, whatever a server sharing the store writes meanwhile.
	err = s.Update(ctx, func(tx store.Tx) error {
		stored, err := store.LoadFile(ctx, tx)
		if err != nil {
			return err
		}
		fw, err := copyWorld(stored)
		if err != nil {
			return err
		}
		if err := in.merge(fw, p.org); err != nil {
			return err
		}
		w, err := world.Build("import", fw)
		if err != nil {
			return invalidWorldError{err}
		}
		final, err := imports(stored, fw, w.ToFile())
		if err != nil {
			return err
		}
		if replaced, err = replacements(stored, final); err != nil {
			return err
		}
		if !replaced.empty() && !p.replace {
			return replaced
		}
		n = len(final.Accounts)
		return store.WriteWorld(ctx, tx, stored, final)
	})
	if err != nil {
		return ExitUsage, err
	}
	if !replaced.empty() {
		fmt.Fprintf(stdout, "replaced (--replace):%s\n", replaced.list(true))
	}
	fmt.Fprintf(stdout, "stored %d accounts in %s\n", n, redact(p.store))
	return ExitOK, nil
}

// imports is the world to store: the stored world with what the import
// changed (the accounts and organization of merged that differ from
// stored) in their built form (norm, whose documents are inlined), and
// the rest as stored, so that what the import does not touch is neither
// rewritten nor reported as replaced.
func imports(stored, merged, norm *world.FileWorld) (*world.FileWorld, error) {
	same := func(a, b any) (bool, error) {
		x, err := json.Marshal(a)
		if err != nil {
			return false, err
		}
		y, err := json.Marshal(b)
		return string(x) == string(y), err
	}
	out := &world.FileWorld{Organization: stored.Organization, Accounts: append([]world.FileAccount(nil), stored.Accounts...)}
	if ok, err := same(stored.Organization, merged.Organization); err != nil {
		return nil, err
	} else if !ok {
		out.Organization = norm.Organization
	}
	built := map[string]world.FileAccount{}
	for _, a := range norm.Accounts {
		built[a.ID] = a
	}
	index := map[string]int{}
	for i, a := range out.Accounts {
		index[a.ID] = i
	}
	for _, a := range merged.Accounts {
		i, ok := index[a.ID]
		if !ok {
			out.Accounts = append(out.Accounts, built[a.ID])
			continue
		}
		if same, err := same(out.Accounts[i], a); err != nil {
			return nil, err
		} else if !same {
			out.Accounts[i] = built[a.ID]
		}
	}
	return out, nil
}

func copyWorld(fw *world.FileWorld) (*world.FileWorld, error) {
	data, err := json.Marshal(fw)
	if err != nil {
		return nil, err
	}
	out := &world.FileWorld{}
	return out, json.Unmarshal(data, out)
}

// replacements is what of the stored world the import's result would
// change or remove.
func replacements(stored, next *world.FileWorld) (*ReplaceError, error) {
	e := &ReplaceError{}
	after := map[string]world.FileAccount{}
	for _, a := range next.Accounts {
		after[a.ID] = a
	}
	for _, a := range stored.Accounts {
		n, ok := after[a.ID]
		if !ok {
			n = world.FileAccount{ID: a.ID}
		}
		items, err := store.Replaced(a, n)
		if err != nil {
			return nil, err
		}
		if len(items) > 0 {
			e.Accounts = append(e.Accounts, AccountReplaced{ID: a.ID, Items: items})
		}
	}
	if o := stored.Organization; o != nil {
		old, _ := json.Marshal(o)
		now, _ := json.Marshal(next.Organization)
		if string(old) != string(now) {
			r := &OrganizationReplaced{ID: o.ID, ManagementAccount: o.ManagementAccount, Accounts: orgAccounts(o)}
			kept := map[string]bool{}
			if next.Organization != nil {
				for _, id := range orgAccounts(next.Organization) {
					kept[id] = true
				}
			}
			for _, id := range r.Accounts {
				if !kept[id] {
					r.LeftOutside = append(r.LeftOutside, id)
				}
			}
			e.Organization = r
		}
	}
	return e, nil
}

// orgAccounts lists an organization's accounts, sorted.
func orgAccounts(o *world.FileOrganization) []string {
	var out []string
	var walk func(ou *world.FileOU)
	walk = func(ou *world.FileOU) {
		out = append(out, ou.Accounts...)
		for i := range ou.OUs {
			walk(&ou.OUs[i])
		}
	}
	walk(&o.Root)
	sort.Strings(out)
	return out
}

func replaceAccount(fw *world.FileWorld, a world.FileAccount) {
	for i := range fw.Accounts {
		if fw.Accounts[i].ID == a.ID {
			fw.Accounts[i] = a
			return
		}
	}
	fw.Accounts = append(fw.Accounts, a)
}
