package accesstest

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// WriteText prints results like go test: a line per test with -v, the
// explanation under each failure, and an ok/FAIL line per file.
func WriteText(w io.Writer, file string, rs []Result, verbose bool) {
	var total time.Duration
	for _, r := range rs {
		total += r.Duration
		status := "PASS"
		if !r.Passed || r.Err != nil {
			status = "FAIL"
		}
		if status == "PASS" && !verbose {
			continue
		}
		fmt.Fprintf(w, "--- %s: %s (%s:%d)\n", status, r.Test.Name, file, r.Test.Line)
		switch {
		case r.Err != nil:
			fmt.Fprintf(w, "    error: %v\n", r.Err)
		case status == "FAIL":
			fmt.Fprintf(w, "    got %s, want %s", r.Got, r.Test.Expect)
			if r.Step != "" {
				fmt.Fprintf(w, " (refused at %s)", r.Step)
			}
			fmt.Fprintln(w)
			if r.Explanation != nil {
				fmt.Fprint(w, indent(r.Explanation.Text(), "    "))
			}
		default:
			fmt.Fprintf(w, "    %s", r.Got)
			if r.Step != "" {
				fmt.Fprintf(w, " at %s", r.Step)
			}
			fmt.Fprintln(w)
		}
	}
	passed, failed := Summary(rs)
	if failed > 0 {
		fmt.Fprintf(w, "FAIL\t%s\t%d passed, %d failed\n", file, passed, failed)
		return
	}
	fmt.Fprintf(w, "ok  \t%s\t%d tests\n", file, passed)
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Tests   int          `xml:"tests,attr"`
	Fail    int          `xml:"failures,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name   string      `xml:"name,attr"`
	Tests  int         `xml:"tests,attr"`
	Fail   int         `xml:"failures,attr"`
	Errors int         `xml:"errors,attr"`
	Time   string      `xml:"time,attr"`
	Cases  []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// Suite is the results of one test file.
type Suite struct {
	File    string
	Results []Result
}

// WriteJUnit writes JUnit XML, one testsuite per test file.
func WriteJUnit(w io.Writer, suites []Suite) error {
	out := junitSuites{}
	for _, s := range suites {
		js := junitSuite{Name: s.File}
		var total time.Duration
		for _, r := range s.Results {
			total += r.Duration
			c := junitCase{Name: r.Test.Name, ClassName: s.File, Time: seconds(r.Duration)}
			switch {
			case r.Err != nil:
				c.Error = &junitMessage{Message: r.Err.Error()}
				js.Errors++
			case !r.Passed:
				text := ""
				if r.Explanation != nil {
					text = r.Explanation.Text()
				}
				msg := fmt.Sprintf("got %s, want %s", r.Got, r.Test.Expect)
				if r.Step != "" {
					msg += " (refused at " + r.Step + ")"
				}
				c.Failure = &junitMessage{Message: msg, Text: text}
				js.Fail++
			}
			js.Cases = append(js.Cases, c)
		}
		js.Tests, js.Time = len(s.Results), seconds(total)
		out.Tests += js.Tests
		out.Fail += js.Fail + js.Errors
		out.Suites = append(out.Suites, js)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.6f", d.Seconds()) }
