package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

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
resources and organization placement are kept. Nothing is written unless the
whole result is a valid world.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			p.gaad = args
			if code, err := runImport(cmd.Context(), p, cmd.OutOrStdout()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	addStoreFlag(cmd, &p.store)
	cmd.Flags().StringVar(&p.worldFile, "world", "", "a world file to import (merged like the others; with --replace, it replaces everything)")
	cmd.Flags().StringVar(&p.org, "org", "", "an organization file (YAML or JSON with an organization section)")
	cmd.Flags().StringArrayVar(&p.resources, "resource-policy", nil, "ARN=FILE or ARN=FILE@ACCOUNT: a resource policy (repeatable)")
	cmd.Flags().BoolVar(&p.replace, "replace", false, "start from an empty world instead of the store's")
	return cmd
}

func runImport(ctx context.Context, p importParams, stdout io.Writer) (int, error) {
	if len(p.gaad) == 0 && p.worldFile == "" && p.org == "" && len(p.resources) == 0 {
		return ExitUsage, fmt.Errorf("nothing to import: give get-account-authorization-details files, --world, --org or --resource-policy")
	}
	s, err := createStore(ctx, p.store)
	if err != nil {
		return ExitUsage, err
	}
	defer s.Close()
	fw := &world.FileWorld{}
	if !p.replace {
		if fw, err = store.LoadFile(ctx, s); err != nil {
			return ExitUsage, err
		}
	}
	if p.worldFile != "" {
		w, err := world.LoadFile(p.worldFile)
		if err != nil {
			return ExitUsage, err
		}
		in := w.ToFile()
		for _, a := range in.Accounts {
			replaceAccount(fw, a)
		}
		if in.Organization != nil {
			fw.Organization = in.Organization
		}
	}
	for _, f := range p.gaad {
		data, err := os.ReadFile(f)
		if err != nil {
			return ExitUsage, err
		}
		fa, err := importer.ParseGAAD(f, data)
		if err != nil {
			return ExitUsage, err
		}
		importer.Merge(fw, fa)
		fmt.Fprintf(stdout, "%s: account %s: %d users, %d groups, %d roles, %d policies\n", f, fa.ID, len(fa.Users), len(fa.Groups), len(fa.Roles), len(fa.Policies))
	}
	if p.org != "" {
		data, err := os.ReadFile(p.org)
		if err != nil {
			return ExitUsage, err
		}
		if err := importer.MergeOrganization(fw, p.org, data); err != nil {
			return ExitUsage, err
		}
	}
	for _, spec := range p.resources {
		res, file, ok := strings.Cut(spec, "=")
		if !ok {
			return ExitUsage, fmt.Errorf("--resource-policy %q: want ARN=FILE or ARN=FILE@ACCOUNT", spec)
		}
		account := ""
		if i := strings.LastIndexByte(file, '@'); i >= 0 && arn.IsAccountID(file[i+1:]) {
			file, account = file[:i], file[i+1:]
		}
		parsed, err := arn.Parse(res)
		if err != nil {
			return ExitUsage, fmt.Errorf("--resource-policy %q: %v", spec, err)
		}
		if account == "" {
			account = parsed.AccountID
		}
		if !arn.IsAccountID(account) {
			return ExitUsage, fmt.Errorf("--resource-policy %q: the ARN names no account; add @ACCOUNT", spec)
		}
		doc, err := os.ReadFile(file)
		if err != nil {
			return ExitUsage, err
		}
		importer.AddResourcePolicy(fw, account, res, doc)
	}
	w, err := world.Build("import", fw)
	if err != nil {
		return ExitUsage, fmt.Errorf("the imported world is not valid, nothing was written:\n%v", err)
	}
	if err := store.SaveWorld(ctx, s, w); err != nil {
		return ExitUsage, err
	}
	fmt.Fprintf(stdout, "stored %d accounts in %s\n", len(w.Accounts), p.store)
	return ExitOK, nil
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
