package validate

import "testing"

func TestFitsTemplate(t *testing.T) {
	obj := "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
	bucket := "arn:${Partition}:s3:::${BucketName}"
	role := "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
	snap := "arn:${Partition}:rds:${Region}:${Account}:snapshot:${SnapshotName}"
	cases := []struct {
		policy, template string
		want             bool
	}{
		{"arn:aws:s3:::bucket/*", obj, true},
		{"arn:aws:s3:::bucket/*", bucket, false}, // a bucket name has no '/'
		{"arn:aws:s3:::bucket", bucket, true},
		{"arn:aws:s3:::bucket", obj, false},
		{"arn:aws:s3:::*", bucket, true},
		{"arn:aws:s3:::*", obj, true},
		{"arn:aws:s3:::b/a/b/c.txt", obj, true},
		{"arn:aws:iam::111111111111:role/*MASKOPY*", role, true},
		{"arn:aws:iam::111111111111:role/path/x", role, true},
		{"arn:aws:iam::111111111111:user/x", role, false},
		{"arn:aws:iam::*:role/Xacnt_MASKOPY", role, true},
		{"arn:aws:rds:*:111111111111:*:maskopy*", snap, true},
		{"arn:aws:rds:*:*:snapshot:*maskopy*", snap, true},
		{"arn:aws:rds:*:*:db:maskopy*", snap, false},
		{"arn:aws:rds::111111111111:snapshot:x", snap, false}, // the Region is required
		{"arn:aws:s3:us-east-1::bucket", bucket, false},       // S3 ARNs have no Region
		{"arn:aws:s3:::bucket", "arn:${Partition}:s3:::${BucketName}", true},
	}
	for _, c := range cases {
		if got := fitsTemplate(c.policy, c.template); got != c.want {
			t.Errorf("fitsTemplate(%q, %q) = %v, want %v", c.policy, c.template, got, c.want)
		}
	}
}

func FuzzIntersects(f *testing.F) {
	f.Add("arn:aws:s3:::b*/?", "arn:${P}:s3:::${B}/${O}")
	f.Fuzz(func(t *testing.T, a, b string) {
		fitsTemplate(a, b)
		if len(a) < 40 && !containsAny(a, "*?:$") && fitsTemplate("arn:aws:s3:::"+a, "arn:aws:s3:::"+a) != true {
			t.Fatalf("a literal fits itself: %q", a)
		}
	})
}

func containsAny(s, chars string) bool {
	for i := 0; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return true
			}
		}
	}
	return false
}
