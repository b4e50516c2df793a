package organizations

import "testing"

// The quota of the model's documentation of CloseAccount: "the higher of
// either 250 or 20% of the member accounts in your organization, up to a
// maximum of 1,000", within a rolling 30 days.
func TestCloseQuota(t *testing.T) {
	for _, tc := range []struct{ members, want int }{
		{0, 250}, {10, 250}, {1250, 250}, {1255, 251}, {2000, 400}, {5000, 1000}, {100000, 1000},
	} {
		if got := closeQuota(tc.members); got != tc.want {
			t.Errorf("closeQuota(%d) = %d, want %d", tc.members, got, tc.want)
		}
	}
}
