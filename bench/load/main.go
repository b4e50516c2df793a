// load measures `iamgate serve` against moto_server on the same
// workload in the same run: SigV4-signed GetCallerIdentity and AssumeRole
// requests from concurrent workers over loopback, reporting requests per
// second and p50/p99 latency for each.
//
//	go run ./bench/load -duration 10s -workers 16
//
// iamgate runs in this process on a real TCP listener with a SQLite store;
// moto_server runs as a subprocess (it must be on PATH). Every request is
// built and signed the same way for both.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store/sqlite"
)

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

func main() {
	duration := flag.Duration("duration", 5*time.Second, "how long each measurement runs")
	workers := flag.Int("workers", 16, "concurrent clients")
	skipMoto := flag.Bool("no-moto", false, "measure iamgate only")
	flag.Parse()
	if err := run(*duration, *workers, *skipMoto); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type target struct {
	name  string
	url   string
	creds aws.Credentials
}

func run(duration time.Duration, workers int, skipMoto bool) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "iamgate-load")
	if err != nil {
		return err
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
		}
	}()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "iamgate.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	// As `iamgate serve` runs: every call recorded in the audit log.
	log := audit.NewLog(st)
	defer log.Close()
	srv, err := server.New(ctx, server.Config{Store: st, Master: keyring.MasterKey{1}, Audit: log, Metrics: server.NewMetrics()})
	if err != nil {
		return err
	}
	defer srv.Close()
	boot, err := srv.Bootstrap(ctx, "", "")
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv}
	go func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "load: serve:", err)
		}
	}()
	defer hs.Close()
	targets := []target{{"iamgate", "http://" + ln.Addr().String(), aws.Credentials{AccessKeyID: boot.Key.ID, SecretAccessKey: boot.Key.Secret}}}
	if !skipMoto {
		moto, stop, err := startMoto()
		if err != nil {
			return err
		}
		defer stop()
		targets = append(targets, target{"moto_server", moto, aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}})
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers * 2, MaxConnsPerHost: workers * 2}}
	for _, t := range targets {
		form := url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"LoadRole"}, "AssumeRolePolicyDocument": {trust}}
		if status, body, err := send(client, t, "iam", form.Encode()); err != nil || status != 200 {
			return fmt.Errorf("%s: CreateRole: %d %v %s", t.name, status, err, body)
		}
	}
	workloads := []struct{ name, service, body string }{
		{"GetCallerIdentity", "sts", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"AssumeRole", "sts", url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
			"RoleArn": {"arn:aws:iam::123456789012:role/LoadRole"}, "RoleSessionName": {"load"}}.Encode()},
	}
	fmt.Printf("%d workers, %s per measurement, loopback, SigV4 on every request\n\n", workers, duration)
	fmt.Println("| workload | server | requests/s | p50 | p99 | errors |")
	fmt.Println("|---|---|---:|---:|---:|---:|")
	for _, w := range workloads {
		var rates []float64
		for _, t := range targets {
			r := measure(client, t, w.service, w.body, workers, duration)
			rates = append(rates, r.rps)
			fmt.Printf("| %s | %s | %.0f | %s | %s | %d |\n", w.name, t.name, r.rps, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.errors)
		}
		if len(rates) == 2 && rates[1] > 0 {
			fmt.Printf("| %s | iamgate / moto | %.1f× | | | |\n", w.name, rates[0]/rates[1])
		}
	}
	return nil
}

func send(client *http.Client, t target, service, body string) (int, []byte, error) {
	r, err := http.NewRequest(http.MethodPost, t.url+"/", bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, nil, err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), t.creds, r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		return 0, nil, err
	}
	res, err := client.Do(r)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

func measure(client *http.Client, t target, service, body string, workers int, d time.Duration) result {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		lat    []time.Duration
		errs   atomic.Int64
		done   atomic.Bool
		count  atomic.Int64
		warmup = min(d/5, time.Second)
	)
	// Warm up connections, then measure.
	stopWarm := time.Now().Add(warmup)
	for time.Now().Before(stopWarm) {
		_, _, _ = send(client, t, service, body) // warming up: the measured calls count errors
	}
	start := time.Now()
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for !done.Load() {
				t0 := time.Now()
				status, _, err := send(client, t, service, body)
				local = append(local, time.Since(t0))
				count.Add(1)
				if err != nil || status != 200 {
					errs.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	time.Sleep(d)
	done.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := result{rps: float64(count.Load()) / elapsed.Seconds(), errors: errs.Load()}
	if len(lat) > 0 {
		r.p50, r.p99 = lat[len(lat)*50/100], lat[len(lat)*99/100]
	}
	return r
}

// startMoto runs moto_server on a free loopback port.
func startMoto() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return "", nil, err
	}
	cmd := exec.Command("moto_server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("moto_server: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Kill() // it may have exited already; Wait reaps it either way
		_ = cmd.Wait()         // killed: the exit status says so
	}
	u := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; i < 100; i++ {
		if res, err := http.Get(u + "/moto-api/"); err == nil {
			res.Body.Close()
			return u, stop, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("moto_server did not start")
}
