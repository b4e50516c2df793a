package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/store"
)

func newAccessKeyCmd() *cobra.Command {
	var storeDSN, keyPath, account, user, output string
	cmd := &cobra.Command{
		Use:   "access-key",
		Short: "Manage access keys in the store directly (operator commands)",
	}
	create := &cobra.Command{
		Use:   "create --account ID --user NAME",
		Short: "Create an access key for any user of any account and print it once",
		Long: `Creates an access key for a user of any account in the store, the way an
operator seeds a multi-account world imported from files (where no user has
a key yet). Within one account, aws iam create-access-key does the same
through the API. The server need not be stopped.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := runAccessKeyCreate(cmd.Context(), storeDSN, keyFile(storeDSN, keyPath), account, user, output, cmd.OutOrStdout()); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			return nil
		},
	}
	addStoreFlag(create, &storeDSN)
	create.Flags().StringVar(&keyPath, "key-file", "", "master key file (as for serve)")
	create.Flags().StringVar(&account, "account", "", "the user's account ID")
	create.Flags().StringVar(&user, "user", "", "the user's name")
	outputs(create, &output, "text", "json")
	mustRequire(create, "account", "user")
	cmd.AddCommand(create)
	return cmd
}

func runAccessKeyCreate(ctx context.Context, dsn, keyPath, account, user, output string, stdout io.Writer) error {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	// The key must be the store's; this command never makes one.
	master, _, err := keyring.LoadMasterKey(ctx, st, os.Getenv(keyring.MasterKeyEnv), keyPath, false)
	if err != nil {
		return err
	}
	fw, err := store.LoadFile(ctx, st)
	if err != nil {
		return err
	}
	found := false
	for _, a := range fw.Accounts {
		for _, u := range a.Users {
			found = found || a.ID == account && u.Name == user
		}
	}
	if !found {
		return fmt.Errorf("the store has no user %s in account %s", user, account)
	}
	keys := keyring.NewKeys(st, master)
	have, err := keys.ListAccessKeys(ctx, account, user)
	if err != nil {
		return err
	}
	if len(have) >= 2 {
		return fmt.Errorf("user %s already has %d access keys, IAM's limit", user, len(have))
	}
	k, err := keys.CreateAccessKey(ctx, account, user)
	if err != nil {
		return err
	}
	if output == "json" {
		// The AccessKey of IAM's CreateAccessKey response (its member names).
		return json.NewEncoder(stdout).Encode(struct {
			UserName, AccessKeyId, SecretAccessKey, Status string
		}{user, k.ID, k.Secret, "Active"})
	}
	fmt.Fprintf(stdout, "aws_access_key_id = %s\naws_secret_access_key = %s\n", k.ID, k.Secret)
	return nil
}
