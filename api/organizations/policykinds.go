package organizations

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

// The management policy types: every type of the model's PolicyType but
// SCPs and RCPs (botocore organizations/2016-11-28). Their policies are
// stored, attached and listed like SCPs, but take no part in
// authorization, and no AWS managed policy of theirs is attached by
// default: a target has only what was attached to it, and its last one may
// be detached. Their content is JSON of the type's own grammar (the
// Organizations User Guide, "Management policy types"), which iamgate
// checks only for being a JSON object within the type's size.

// maxContent is the largest policy document of each type, in characters
// (the Organizations User Guide, "Quotas for AWS Organizations", "Maximum
// size of a policy document"). The quotas page gives no size for
// INSPECTOR_POLICY, UPGRADE_ROLLOUT_POLICY, BEDROCK_POLICY, S3_POLICY and
// NETWORK_SECURITY_DIRECTOR_POLICY: iamgate's choice is 10,000, the size
// of every other management policy type but AI services opt-out policies.
var maxContent = map[string]int{
	typeSCP: 5120, typeRCP: 5120,
	"TAG_POLICY": 10000, "BACKUP_POLICY": 10000, "AISERVICES_OPT_OUT_POLICY": 2500, "CHATBOT_POLICY": 10000,
	"DECLARATIVE_POLICY_EC2": 10000, "SECURITYHUB_POLICY": 10000,
	"INSPECTOR_POLICY": 10000, "UPGRADE_ROLLOUT_POLICY": 10000, "BEDROCK_POLICY": 10000, "S3_POLICY": 10000,
	"NETWORK_SECURITY_DIRECTOR_POLICY": 10000,
}

func init() {
	for _, t := range world.ManagementPolicyTypes {
		fileType[strings.ToUpper(t)] = t
	}
}

// isManagement reports a management policy type, in the file's form.
func isManagement(kind string) bool { return slices.Contains(world.ManagementPolicyTypes, kind) }

// checkManagementContent checks a management policy's content: a JSON
// object (MalformedPolicyDocumentException otherwise) of at most the
// type's size.
func checkManagementContent(content, t string) *query.Error {
	if e := checkSize(content, t); e != nil {
		return e
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(content), &doc); err != nil || doc == nil {
		return orgerr.MalformedPolicyDocumentException("The provided policy document does not meet the requirements of the specified policy type: the content of a %s is a JSON object.", t)
	}
	return nil
}

// checkSize is ConstraintViolationException POLICY_CONTENT_LIMIT_EXCEEDED
// past the type's size: in characters, as the quotas page counts, for a
// management policy; in bytes for an SCP or RCP, as iamgate counted them
// before management policies were stored.
func checkSize(content, t string) *query.Error {
	max, n := maxContent[t], len(content)
	if isManagement(fileType[t]) {
		n = len([]rune(content))
	}
	if n > max {
		e := orgerr.ConstraintViolationException("You have exceeded the maximum size of a policy (%s characters).", thousands(max))
		e.Reason = "POLICY_CONTENT_LIMIT_EXCEEDED"
		return e
	}
	return nil
}

// thousands writes n with a comma between thousands (5,120).
func thousands(n int) string {
	d := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// invalidPolicyType answers a policy type the model's PolicyType does not
// have (Validate refuses it first): InvalidInputException
// INVALID_ENUM_POLICY_TYPE, with the words of the model's documentation.
func invalidPolicyType() *query.Error {
	e := orgerr.InvalidInputException("You specified an invalid policy type string.")
	e.Reason = "INVALID_ENUM_POLICY_TYPE"
	return e
}

// managementAttachment is a target's attachment list of a management
// policy type: the names in the organization's Attached list of the target
// whose policies are of the kind.
func managementAttachment(o *world.FileOrganization, id, kind string, target targetOut) attachment {
	ofKind := func(n string) bool { return fileTypeOf(o.Policies[n]) == kind }
	return attachment{target: target,
		get: func() []string {
			var out []string
			for _, n := range o.Attached[id] {
				if ofKind(n) {
					out = append(out, n)
				}
			}
			return out
		},
		set: func(list []string) {
			all := append(slices.DeleteFunc(slices.Clone(o.Attached[id]), ofKind), list...)
			if len(all) == 0 {
				delete(o.Attached, id)
				return
			}
			if o.Attached == nil {
				o.Attached = map[string][]string{}
			}
			o.Attached[id] = all
		}}
}
