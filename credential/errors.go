package credential

import "errors"

// Errors of credential operations, for the API to answer in AWS's words.
var (
	// ErrInvalidCode: an MFA code that is wrong, expired, already taken,
	// or of a device not enabled for the user.
	ErrInvalidCode = errors.New("credential: the MFA code is not valid")
	// ErrMFADeviceExists: a device with that serial number exists.
	ErrMFADeviceExists = errors.New("credential: an MFA device with that serial number exists")
	// ErrSecurityKeyChanged: a security key changed (another sign-in
	// with it) between its read and its update.
	ErrSecurityKeyChanged = errors.New("credential: the security key changed meanwhile")
)
