package awserr

// JSONAuthCode is the code an endpoint of the JSON or REST-JSON protocol
// answers for an authentication failure that the Query protocol answers
// with queryCode (authentication is shared and words its failures in the
// Query protocol's codes), or "" for a code that is not one of those:
// InvalidClientTokenId is UnrecognizedClientException, ExpiredToken
// ExpiredTokenException, SignatureDoesNotMatch and RequestExpired
// InvalidSignatureException, IncompleteSignature
// IncompleteSignatureException, MissingAuthenticationToken
// MissingAuthenticationTokenException (the codes of JSONCommon).
func JSONAuthCode(queryCode string) string {
	switch queryCode {
	case "InvalidClientTokenId":
		return "UnrecognizedClientException"
	case "ExpiredToken":
		return "ExpiredTokenException"
	case "SignatureDoesNotMatch", "RequestExpired":
		return "InvalidSignatureException"
	case "IncompleteSignature":
		return "IncompleteSignatureException"
	case "MissingAuthenticationToken":
		return "MissingAuthenticationTokenException"
	}
	return ""
}
