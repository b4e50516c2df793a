// Package awsjson is the AWS JSON 1.1 protocol (awsJson1.1, botocore's
// "json" protocol) as iamgate serves it for Organizations: a POST whose
// X-Amz-Target header names the operation (PREFIX.Operation), a JSON
// body, and an answer that is the output as JSON with Content-Type
// application/x-amz-json-1.1, or an error {"__type": code, "Message":
// message} with the error's status.
//
// It knows the wire format and nothing of any service: the operations and
// their handlers are the services' (api/organizations), authentication,
// authorization and the audit log the server's. The Query protocol is
// api/query, REST-JSON api/restjson.
package awsjson
