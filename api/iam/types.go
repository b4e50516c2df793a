package iam

import (
	"encoding/xml"

	"github.com/iamgate/iamgate/api/shape/iamshape"
)

// Result shapes of the botocore model iam/2010-05-08. A result struct's own
// element name does not matter: query.WriteResult writes its fields inside
// <ActionResult>.

type tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type boundary struct {
	PermissionsBoundaryType string `xml:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `xml:"PermissionsBoundaryArn"`
}

func boundaryOf(arn string) *boundary {
	if arn == "" {
		return nil
	}
	return &boundary{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn}
}

// lastUsed is the model's RoleLastUsed: both members absent for a role
// never used.
type lastUsed = iamshape.RoleLastUsed

type managedPolicy struct {
	PolicyName                    string `xml:"PolicyName"`
	PolicyID                      string `xml:"PolicyId"`
	Arn                           string `xml:"Arn"`
	Path                          string `xml:"Path"`
	DefaultVersionID              string `xml:"DefaultVersionId"`
	AttachmentCount               int    `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int    `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool   `xml:"IsAttachable"`
	Description                   string `xml:"Description,omitempty"`
	CreateDate                    string `xml:"CreateDate"`
	UpdateDate                    string `xml:"UpdateDate"`
	Tags                          tagSet `xml:"Tags,omitempty"`
}

type policyVersion struct {
	Document         string `xml:"Document,omitempty"`
	VersionID        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

type attachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type listPage struct {
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

// tagSet is a list of tags written as <Tags><member>...</member></Tags>, or
// not at all when empty (encoding/xml's omitempty does not apply to a
// "Tags>member" path).
type tagSet []tag

func (ts tagSet) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if len(ts) == 0 {
		return nil
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, t := range ts {
		if err := e.EncodeElement(t, xml.StartElement{Name: xml.Name{Local: "member"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}
