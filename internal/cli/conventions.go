package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The conventions every command shares: one --output flag (a persistent
// flag of the root) and an environment variable for every flag.

// outputFlag is the root's persistent --output.
const outputFlag = "output"

// outputsAnnotation, on a command, lists the --output values it accepts,
// comma separated; a command without it prints text only.
const outputsAnnotation = "iamgate/outputs"

// knownFormats are the --output values some command prints.
var knownFormats = []string{"text", "json", "sarif"}

// envAnnotation, on a flag, names the environment variable its value came
// from.
const envAnnotation = "iamgate/env"

// envRule is the rule, as the root's help and the README state it.
const envRule = `Every flag can also be given as an environment variable: IAMGATE_ and the
flag's name in upper case with - as _ (--listen is IAMGATE_LISTEN, --key-file
IAMGATE_KEY_FILE, --output IAMGATE_OUTPUT). A flag on the command line wins
over its variable; an empty variable counts as unset; IAMGATE_OUTPUT=json
leaves a command that prints text only printing text; a repeatable flag takes
the variable's value as one value; a deprecated flag has no variable. Prefer
variables for what is secret.`

// addOutputFlag adds --output to the root.
func addOutputFlag(root *cobra.Command) {
	root.PersistentFlags().StringP(outputFlag, "o", "text", "output format: text or json (the formats a command prints are in its help)")
}

// outputs says which --output values cmd prints (the first is the
// default, "text") and has the value copied into *dst before cmd runs.
func outputs(cmd *cobra.Command, dst *string, formats ...string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[outputsAnnotation] = strings.Join(formats, ",")
	if len(formats) > 1 {
		long := cmd.Long
		if long == "" {
			long = cmd.Short + "."
		}
		cmd.Long = long + "\n\n--output: " + strings.Join(formats, ", ") + " (" + formats[0] + " by default)."
	}
	*dst = formats[0]
	next := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		*dst = c.Flag(outputFlag).Value.String()
		if next != nil {
			return next(c, args)
		}
		return nil
	}
}

// aliasAnnotation, on a flag, marks it as a deprecated spelling of
// --output.
const aliasAnnotation = "iamgate/output-alias"

// addOutputAlias adds the deprecated spelling name of --output to cmd
// (--format once): it still works, hidden, with a warning on standard
// error, and sets --output. (Not cobra's MarkDeprecated: cobra prints its
// warning to the command's output, which is standard output here, and
// would break the JSON document a script reads.)
func addOutputAlias(cmd *cobra.Command, name string) {
	cmd.Flags().String(name, "text", "text or json (deprecated: use --output)")
	_ = cmd.Flags().MarkHidden(name)
	_ = cmd.Flags().SetAnnotation(name, aliasAnnotation, []string{outputFlag})
}

// EnvName is the environment variable of a flag: IAMGATE_ and its name in
// upper case, - as _.
func EnvName(flag string) string {
	return "IAMGATE_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyConventions runs before every command: it sets each flag not given on
// the command line from its environment variable, applies deprecated
// aliases of --output, and checks --output against what cmd prints.
func applyConventions(cmd *cobra.Command) error {
	if err := applyEnv(cmd.Flags()); err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	fs := cmd.Flags()
	out := fs.Lookup(outputFlag)
	if out == nil {
		return nil
	}
	var aliasErr error
	fs.VisitAll(func(f *pflag.Flag) {
		if len(f.Annotations[aliasAnnotation]) == 0 || !f.Changed {
			return
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "Flag --%s is deprecated, use --%s\n", f.Name, outputFlag)
		if !out.Changed && aliasErr == nil {
			aliasErr = fs.Set(outputFlag, f.Value.String())
		}
	})
	if aliasErr != nil {
		return &exitError{code: ExitUsage, err: aliasErr}
	}
	accepted := []string{"text"}
	if a, ok := cmd.Annotations[outputsAnnotation]; ok {
		accepted = strings.Split(a, ",")
	}
	if v := out.Value.String(); !slices.Contains(accepted, v) {
		from := ""
		if env := out.Annotations[envAnnotation]; len(env) > 0 {
			// IAMGATE_OUTPUT=json set for every command leaves those
			// that print text only (import, serve, completion) printing
			// text; a format no command prints is still an error.
			if slices.Contains(knownFormats, v) {
				return out.Value.Set(accepted[0])
			}
			from = " (from " + env[0] + ")"
		}
		return &exitError{code: ExitUsage, err: fmt.Errorf("--output %q%s: %s prints %s", v, from, cmd.CommandPath(), orList(accepted))}
	}
	return nil
}

// applyEnv sets every flag of fs that is not set from its environment
// variable; a value the flag refuses is an error naming the variable.
func applyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Deprecated != "" || len(f.Annotations[aliasAnnotation]) > 0 || f.Name == "help" || f.Name == "version" {
			return
		}
		name := EnvName(f.Name)
		v := os.Getenv(name)
		if v == "" {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("%s=%q: not a valid --%s: %v", name, v, f.Name, serr)
			return
		}
		if f.Annotations == nil {
			f.Annotations = map[string][]string{}
		}
		f.Annotations[envAnnotation] = []string{name}
	})
	return err
}

// onCommandLine reports whether flag name was given on the command line
// (not through its environment variable).
func onCommandLine(cmd *cobra.Command, name string) bool {
	f := cmd.Flags().Lookup(name)
	return f != nil && f.Changed && len(f.Annotations[envAnnotation]) == 0
}

// orList is "a", "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) == 1 {
		return words[0] + " only"
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
