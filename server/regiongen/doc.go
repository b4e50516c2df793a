// Command regiongen regenerates server/regions_gen.go, the regions iamgate
// accepts in a credential scope, from the endpoint data of the botocore
// installed for python3 (data/endpoints.json; botocore is Apache-2.0,
// https://github.com/boto/botocore). It needs python3 with botocore; the
// generated file is committed, so building iamgate needs only Go.
//
//	go generate ./server    (or, in server/: go run ./regiongen)
//
// Only facts carry over: the region names of the aws partition (iamgate's
// ARNs are all arn:aws), and the regions of that partition with an sts
// endpoint and with an access-analyzer endpoint. Pseudo-regions
// (aws-global, *-fips) are endpoint names, not
// regions, and are left out. The file records botocore's version.
package main
