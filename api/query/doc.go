// Package query implements the AWS Query protocol that IAM (2010-05-08) and
// STS (2011-06-15) speak: form-encoded requests, XML responses wrapped in
// <ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>, and
// errors as <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>
// with the HTTP status the botocore service models give each code.
//
// Handlers return *Error values (api/awserr's Error, whose codes and
// statuses come from the models) and know nothing of XML; the constraints
// of each operation's input are checked against the model (api/model)
// before a handler runs.
package query
