// Package restjson is the REST-JSON protocol (botocore's "rest-json") as
// iamgate serves it for IAM Access Analyzer: an operation is bound to an
// HTTP method and a requestUri of the model (Router); its input is read
// from the JSON body with the model's exact member names, and from the
// query string and URI for members bound there (Decode); its output is
// written as JSON, and an error as the status, the code in the
// x-amzn-ErrorType header and {"message"} with the members the exception
// has (a ValidationException's reason and fieldList) (WriteResult,
// WriteError).
//
// The body is read strictly: it is UTF-8 text, one JSON object, with no
// member given twice at any depth, so that nothing in front of iamgate can
// be shown another request than the one checked. What a failure is called
// (Access Analyzer's ValidationException with reason cannotParse) is the
// service's: this package reports it as a *BodyError, *QueryError or
// *model.DecodeError.
//
// It knows the wire format and the models' bindings, and nothing of any
// service's operations, of authentication or of the server.
package restjson
