package server

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"time"
)

// FileNotifier is a Config.Notify that appends each notification to a
// file as one JSON line, {"time":..., "channel":..., "message":{...}}:
// iamgate's stand-in for the SNS topics AWS publishes to (iamgate serve
// --notifications). The file is created with mode 0600, since a message
// may hold a secret (a delegation request's exchange token). close closes
// the file.
func FileNotifier(path string) (notify func(ctx context.Context, channel string, message []byte) error, close func() error, err error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex
	notify = func(_ context.Context, channel string, message []byte) error {
		line, err := json.Marshal(struct {
			Time    string          `json:"time"`
			Channel string          `json:"channel"`
			Message json.RawMessage `json:"message"`
		}{time.Now().UTC().Format(time.RFC3339), channel, message})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if _, err := f.Write(append(line, '\n')); err != nil {
			return err
		}
		return f.Sync()
	}
	return notify, f.Close, nil
}
