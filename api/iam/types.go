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

// lastUsed is the model's RoleLastUsed: both members absent for a role
// never used.
type lastUsed = iamshape.RoleLastUsed

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
