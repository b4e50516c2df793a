// Package shape is the typed form of the wire layer's requests and
// responses: the structures of the botocore models as Go types, generated
// into one package per service (iamshape, stsshape, orgshape, aashape) by
// the committed generator in api/shape/gen from the tables of api/model,
// and what those types need to travel: Time and Blob, the Query protocol's
// List and Map encodings, DecodeQuery, which fills a typed input from
// a Query request's parameters, and DecodeJSON, which fills one from a
// JSON body by the members' exact names (the JSON and REST-JSON
// protocols).
//
// Handlers take a typed input and return a typed output: a request is
// first checked against its operation's input shape by api/model (so the
// decoding here meets only well-formed values), then decoded into the
// operation's input type; the output type marshals to the Query protocol's
// XML (IAM, STS) or to JSON (Organizations, Access Analyzer) with the
// models' member names. The types hold no behaviour of their own.
package shape

//go:generate go run ./gen
