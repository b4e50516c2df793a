// Package query implements the AWS Query protocol that IAM (2010-05-08) and
// STS (2011-06-15) speak: form-encoded requests, XML responses wrapped in
// <ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>, and
// errors as <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>
// with the HTTP status the botocore service models give each code.
//
// It is the one table of AWS error codes at the API edge; handlers return
// *Error values and know nothing of XML.
package query
