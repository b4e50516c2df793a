package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/pipeline"
	"github.com/iamgate/iamgate/world"
)

func newPipelineCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pipeline",
		Short: "Submit policies to the central policy pipeline, check them offline, follow them",
		Long: `The central policy pipeline: a team submits a policy (policy.json and
metadata.json, or the two in policy.zip) for its account; the security
team's guardrails check it; the organization's mandatory denies are
appended; and the pipeline creates it in the team's account through the
account's central-account-role, or rejects it with every reason.

"check" runs the guardrails offline against a world file. The other
commands talk to iamgate serve --pipeline-role (--endpoint-url, default
$IAMGATE_ENDPOINT or http://127.0.0.1:4599), signed with the credentials the
aws CLI would use (environment, profile).`,
	}
	cmd.AddCommand(newPipelineCheckCmd(), newPipelineSubmitCmd(), newPipelineStatusCmd(), newPipelineListCmd(),
		newPipelineWatchCmd(), newPipelineGuardrailsCmd())
	return cmd
}

// --- offline check ---

type pipelineCheckParams struct {
	world, guardrails, account, team, format string
}

func newPipelineCheckCmd() *cobra.Command {
	var p pipelineCheckParams
	cmd := &cobra.Command{
		Use:   "check SUBMISSION",
		Short: "Check a submission against guardrails and a world, creating nothing",
		Long: `Checks a submission (a policy.zip, or a folder with policy.json and
metadata.json) as the pipeline would, and prints the decision: every reason
for a rejection, or the document that would be created. Exit status 0 when
accepted, 1 when rejected, 2 on bad input.`,
		Example: `  iamgate pipeline check examples/policy-pipeline/submissions/ec2-run-team-a \
    --world examples/policy-pipeline/world.yaml --guardrails examples/policy-pipeline/guardrails.yaml --account 444444444444`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPipelineCheck(args[0], p, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&p.world, "world", "", "the world file (accounts and their labels, the security account's policies)")
	cmd.Flags().StringVar(&p.guardrails, "guardrails", "", "the guardrails file")
	cmd.Flags().StringVar(&p.account, "account", "", "target account (default: metadata.json's Account)")
	cmd.Flags().StringVar(&p.team, "team", "", "the submitting team")
	outputs(cmd, &p.format, "text", "json")
	addOutputAlias(cmd, "format")
	mustRequire(cmd, "world", "guardrails")
	return cmd
}

func runPipelineCheck(path string, p pipelineCheckParams, stdout io.Writer) error {
	usage := func(err error) error { return &exitError{code: ExitUsage, err: err} }
	sub, err := pipeline.Read(path)
	if err != nil {
		return usage(err)
	}
	if p.account != "" {
		sub.Account = p.account
	}
	if sub.Account == "" {
		return usage(errors.New("no target account: give --account or Account in metadata.json"))
	}
	if p.team != "" {
		sub.Team = p.team
	}
	w, err := world.LoadFile(p.world)
	if err != nil {
		return usage(err)
	}
	g, err := pipeline.LoadGuardrails(p.guardrails)
	if err != nil {
		return usage(err)
	}
	res, err := pipeline.Check(sub, pipeline.Env{World: w, Guardrails: g})
	if err != nil {
		return usage(err)
	}
	if p.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printResult(stdout, sub.PolicyName, res)
	}
	if !res.Accepted {
		return &exitError{code: ExitMismatch}
	}
	return nil
}

func printResult(w io.Writer, name string, res *pipeline.Result) {
	if res.Accepted {
		fmt.Fprintf(w, "ACCEPTED %s for account %s (rulesets: %s)\n", name, res.Account, strings.Join(res.Rulesets, ", "))
		if len(res.Appended) > 0 {
			fmt.Fprintf(w, "appended from %s: %s\n", strings.Join(res.Denies, ", "), strings.Join(res.Appended, ", "))
		}
		var pretty bytes.Buffer
		if json.Indent(&pretty, []byte(res.Document), "", "  ") == nil {
			fmt.Fprintln(w, pretty.String())
		}
		return
	}
	fmt.Fprintf(w, "REJECTED %s for account %s (rulesets: %s)\n", name, res.Account, strings.Join(res.Rulesets, ", "))
	for _, r := range res.Reasons {
		fmt.Fprintln(w, "  "+r.String())
	}
}

// --- client of the server's pipeline API ---

type pipelineClient struct {
	endpoint string
	region   string
	creds    aws.CredentialsProvider
	http     *http.Client
}

func addEndpointFlag(cmd *cobra.Command, endpoint *string) {
	def := os.Getenv("IAMGATE_ENDPOINT")
	if def == "" {
		def = "http://127.0.0.1:4599"
	}
	cmd.Flags().StringVar(endpoint, "endpoint-url", def, "iamgate serve's URL")
}

func newPipelineClient(ctx context.Context, endpoint string) (*pipelineClient, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading AWS credentials: %w", err)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	return &pipelineClient{endpoint: strings.TrimRight(endpoint, "/"), region: region, creds: cfg.Credentials, http: &http.Client{Timeout: time.Minute}}, nil
}

// do sends a SigV4-signed request and decodes the JSON answer into out;
// an error response becomes an error with AWS's code.
func (c *pipelineClient) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	return c.doVia(ctx, method, path, contentType, "cli", body, out)
}

// doVia is do with the X-Iamgate-Via header naming where a submission came
// from (cli or watch), kept in its record.
func (c *pipelineClient) doVia(ctx context.Context, method, path, contentType, via string, body []byte, out any) error {
	if c.creds == nil {
		return errors.New("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE")
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("AWS credentials: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Iamgate-Via", via)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", c.region, time.Now()); err != nil {
		return err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("%s (%d): %s", e.Error.Code, res.StatusCode, e.Error.Message)
		}
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, res.StatusCode, bytes.TrimSpace(data))
	}
	return json.Unmarshal(data, out)
}

func (c *pipelineClient) submit(ctx context.Context, sub *pipeline.Submission, via string) (*pipeline.Record, error) {
	zip, err := sub.Zip()
	if err != nil {
		return nil, err
	}
	path := "/v1/pipeline/submissions"
	if sub.Account != "" {
		path += "?account=" + url.QueryEscape(sub.Account)
	}
	var rec pipeline.Record
	if err := c.doVia(ctx, http.MethodPost, path, "application/zip", via, zip, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

func printRecord(w io.Writer, rec *pipeline.Record, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rec)
	}
	fmt.Fprintf(w, "%s  %s  %s for account %s", rec.ID, strings.ToUpper(rec.Status), rec.PolicyName, rec.Account)
	if rec.PolicyArn != "" {
		fmt.Fprintf(w, ": %s", rec.PolicyArn)
	}
	fmt.Fprintln(w)
	for _, h := range rec.History {
		fmt.Fprintf(w, "  %s  %-8s  %s\n", h.Time.Format(time.RFC3339), h.Status, h.Message)
	}
	if rec.Result != nil {
		for _, r := range rec.Result.Reasons {
			fmt.Fprintln(w, "  "+r.String())
		}
	}
	return nil
}

// recordExit is the exit status for a record: 0 created, 1 otherwise.
func recordExit(rec *pipeline.Record) error {
	if rec.Status == pipeline.Created {
		return nil
	}
	return &exitError{code: ExitMismatch}
}

func newPipelineSubmitCmd() *cobra.Command {
	var endpoint, account, format string
	cmd := &cobra.Command{
		Use:   "submit SUBMISSION",
		Short: "Submit a policy (policy.zip, or a folder with policy.json and metadata.json)",
		Long: `Sends a submission to the pipeline and prints what became of it: created
(with the policy's ARN), rejected (with every reason) or failed. Exit status
0 when created, 1 otherwise, 2 on bad input or a refused request.`,
		Example: `  iamgate pipeline submit examples/policy-pipeline/submissions/ec2-run-team-a`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sub, err := pipeline.Read(args[0])
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if account != "" {
				sub.Account = account
			}
			c, err := newPipelineClient(cmd.Context(), endpoint)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			rec, err := c.submit(cmd.Context(), sub, "cli")
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if err := printRecord(cmd.OutOrStdout(), rec, format); err != nil {
				return err
			}
			return recordExit(rec)
		},
	}
	addEndpointFlag(cmd, &endpoint)
	cmd.Flags().StringVar(&account, "account", "", "target account (default: metadata.json's Account, else the caller's)")
	outputs(cmd, &format, "text", "json")
	addOutputAlias(cmd, "format")
	return cmd
}

func newPipelineStatusCmd() *cobra.Command {
	var endpoint, format string
	cmd := &cobra.Command{
		Use:   "status ID",
		Short: "Show a submission and its history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newPipelineClient(cmd.Context(), endpoint)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			var rec pipeline.Record
			if err := c.do(cmd.Context(), http.MethodGet, "/v1/pipeline/submissions/"+url.PathEscape(args[0]), "", nil, &rec); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			return printRecord(cmd.OutOrStdout(), &rec, format)
		},
	}
	addEndpointFlag(cmd, &endpoint)
	outputs(cmd, &format, "text", "json")
	addOutputAlias(cmd, "format")
	return cmd
}

func newPipelineListCmd() *cobra.Command {
	var endpoint, account, output string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List an account's submissions (default: the caller's account)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newPipelineClient(cmd.Context(), endpoint)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			q := url.Values{}
			if account != "" {
				q.Set("account", account)
			}
			if limit > 0 {
				q.Set("limit", fmt.Sprint(limit))
			}
			var out struct{ Submissions []pipeline.Record }
			if err := c.do(cmd.Context(), http.MethodGet, "/v1/pipeline/submissions?"+q.Encode(), "", nil, &out); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if output == "json" {
				if out.Submissions == nil {
					out.Submissions = []pipeline.Record{}
				}
				return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]any{"submissions": out.Submissions})
			}
			for _, r := range out.Submissions {
				fmt.Fprintf(cmd.OutOrStdout(), "%s  %-8s  %s  %s  %s\n", r.ID, r.Status, r.Account, r.PolicyName, r.Submitter)
			}
			return nil
		},
	}
	addEndpointFlag(cmd, &endpoint)
	cmd.Flags().StringVar(&account, "account", "", "the account (the security account may list any)")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (0: all)")
	outputs(cmd, &output, "text", "json")
	return cmd
}

func newPipelineGuardrailsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "guardrails", Short: "Put or show the pipeline's guardrails (versioned in the store)"}
	var endpoint string
	push := &cobra.Command{
		Use:   "push FILE",
		Short: "Store a new version of the guardrails (security account only)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := os.ReadFile(args[0])
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if _, err := pipeline.ParseGuardrails(args[0], text); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			c, err := newPipelineClient(cmd.Context(), endpoint)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			var out struct{ Version int }
			if err := c.do(cmd.Context(), http.MethodPut, "/v1/pipeline/guardrails", "application/yaml", text, &out); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "guardrails version %d\n", out.Version)
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the guardrails in force",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newPipelineClient(cmd.Context(), endpoint)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			var out struct {
				Version int
				Text    string
			}
			if err := c.do(cmd.Context(), http.MethodGet, "/v1/pipeline/guardrails", "", nil, &out); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "# guardrails version %d\n%s", out.Version, out.Text)
			return nil
		},
	}
	addEndpointFlag(push, &endpoint)
	addEndpointFlag(show, &endpoint)
	cmd.AddCommand(push, show)
	return cmd
}

// --- watch ---

type watchParams struct {
	endpoint, account string
	interval          time.Duration
	once              bool
}

func newPipelineWatchCmd() *cobra.Command {
	var p watchParams
	cmd := &cobra.Command{
		Use:   "watch DIR",
		Short: "Submit every policy.zip (or folder) that appears in a directory",
		Long: `Watches a directory as the seed's pipeline watches its S3 bucket: each new
*.zip, or folder holding metadata.json and policy.json, is submitted; the
submission is moved to DIR/done/ and its outcome written there as
NAME.result.json. --once handles what is there and exits.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newPipelineClient(cmd.Context(), p.endpoint)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if err := watchDir(cmd.Context(), args[0], p, c, cmd.OutOrStdout()); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			return nil
		},
	}
	addEndpointFlag(cmd, &p.endpoint)
	cmd.Flags().StringVar(&p.account, "account", "", "target account for submissions that name none")
	cmd.Flags().DurationVar(&p.interval, "interval", 2*time.Second, "how often to look")
	cmd.Flags().BoolVar(&p.once, "once", false, "handle what is there, then exit")
	return cmd
}

type submitter interface {
	submit(ctx context.Context, sub *pipeline.Submission, via string) (*pipeline.Record, error)
}

// pending lists the submissions waiting in dir: zips and folders with
// metadata.json, oldest name first.
func pending(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, ".") || name == "done":
		case e.IsDir():
			if _, err := os.Stat(filepath.Join(p, "metadata.json")); err == nil {
				out = append(out, p)
			}
		case strings.HasSuffix(name, ".zip"):
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func watchDir(ctx context.Context, dir string, p watchParams, c submitter, stdout io.Writer) error {
	done := filepath.Join(dir, "done")
	if err := os.MkdirAll(done, 0o755); err != nil {
		return err
	}
	for {
		paths, err := pending(dir)
		if err != nil {
			return err
		}
		for _, path := range paths {
			base := filepath.Base(path)
			result := map[string]any{}
			sub, err := pipeline.Read(path)
			if err == nil {
				if sub.Account == "" {
					sub.Account = p.account
				}
				var rec *pipeline.Record
				rec, err = c.submit(ctx, sub, "watch")
				if err == nil {
					result["record"] = rec
					_ = printRecord(stdout, rec, "text") // text: only fmt.Fprint writes
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				result["error"] = err.Error()
				fmt.Fprintf(stdout, "%s: %v\n", base, err)
			}
			data, _ := json.MarshalIndent(result, "", "  ")
			if err := os.WriteFile(filepath.Join(done, base+".result.json"), append(data, '\n'), 0o644); err != nil {
				return err
			}
			if err := os.Rename(path, filepath.Join(done, base)); err != nil {
				return err
			}
		}
		if p.once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(p.interval):
		}
	}
}
