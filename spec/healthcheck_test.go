package spec

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadHealthcheck(t *testing.T) {
	data := yamlText(
		"main: ./cmd/server",
		"runtime:",
		"  healthcheck:",
		"    command: [server, health, --addr, ':8080']",
		"    interval: 1m30s",
		"    timeout: 500ms",
		"    start_period: 10s",
		"    start_interval: 1s",
		"    retries: 5",
	)
	s, err := Load("go-app.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FillDefaults([]byte("module example.com/x\n\ngo 1.26\n")); err != nil {
		t.Fatal(err)
	}
	h := s.Runtime.Healthcheck
	if !slices.Equal(h.Command, []string{"server", "health", "--addr", ":8080"}) || h.Retries != 5 {
		t.Errorf("healthcheck %+v", h)
	}
	i, to, sp, si := h.Durations()
	if i != 90*time.Second || to != 500*time.Millisecond || sp != 10*time.Second || si != time.Second {
		t.Errorf("durations %v %v %v %v", i, to, sp, si)
	}
	if got, want := s.HealthcheckTest(), []string{"CMD", "/usr/local/bin/server", "health", "--addr", ":8080"}; !slices.Equal(got, want) {
		t.Errorf("HealthcheckTest() = %q, want %q", got, want)
	}
	if at := s.Source.Pos("runtime.healthcheck.retries"); at != (Position{Line: 9, Column: 14}) {
		t.Errorf("retries at %v", at)
	}

	// An absolute path stays as written; no healthcheck, no Test.
	s = &Spec{Runtime: Runtime{Healthcheck: Healthcheck{Command: []string{"/bin/wget", "-q", "--spider", "http://localhost/"}}}}
	if got := s.HealthcheckTest(); !slices.Equal(got, []string{"CMD", "/bin/wget", "-q", "--spider", "http://localhost/"}) {
		t.Errorf("HealthcheckTest() = %q", got)
	}
	if got := (&Spec{}).HealthcheckTest(); got != nil {
		t.Errorf("HealthcheckTest() without a healthcheck = %q", got)
	}
}

func TestHealthcheckErrors(t *testing.T) {
	gomod := []byte("module example.com/app\n\ngo 1.26\n")
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string
	}{
		{
			name:  "not a binary",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: [sever, health]"},
			want:  []string{`4:15 runtime.healthcheck.command.0 "sever" is not a binary of this spec; did you mean "server"? (binaries: server; or an absolute path in the image)`},
		},
		{
			name:  "not a binary, nothing close",
			lines: []string{"binaries: [{main: ./cmd/api}, {main: ./cmd/worker}]", "runtime:", "  healthcheck:", "    command: [curl, -f, http://localhost/]"},
			want:  []string{`4:15 runtime.healthcheck.command.0 "curl" is not a binary of this spec; use one of: api, worker, or an absolute path in the image`},
		},
		{
			name:  "binary of main dot, known after FillDefaults",
			lines: []string{"main: .", "runtime:", "  healthcheck:", "    command: [ap, health]"},
			want:  []string{`4:15 runtime.healthcheck.command.0 "ap" is not a binary of this spec; did you mean "app"? (binaries: app; or an absolute path in the image)`},
		},
		{
			name:  "shell form",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: [CMD-SHELL, curl -f http://localhost/]"},
			want:  []string{`4:15 runtime.healthcheck.command starts with "CMD-SHELL"; write the command itself, like [server, health]: go-app runs it directly (exec form), and scratch has no shell`},
		},
		{
			name:  "CMD prefix",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: [CMD, server, health]"},
			want:  []string{`4:15 runtime.healthcheck.command starts with "CMD"; write the command itself, like [server, health]: go-app runs it directly (exec form), and scratch has no shell`},
		},
		{
			name:  "relative path",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: [bin/server, health]"},
			want:  []string{`4:15 runtime.healthcheck.command.0 "bin/server" must be one of the binaries' names or an absolute path in the image, like /usr/local/bin/server`},
		},
		{
			name:  "empty first element",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: ['', health]"},
			want:  []string{`4:15 runtime.healthcheck.command.0 is empty; name one of the binaries or an absolute path in the image`},
		},
		{
			name:  "no command",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    interval: 10s"},
			want:  []string{`4:5 runtime.healthcheck.command is required; set it to the check to run, like [server, health]`},
		},
		{
			name:  "empty command",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: []"},
			want:  []string{`4:14 runtime.healthcheck.command is required; set it to the check to run, like [server, health]`},
		},
		{
			name: "durations and retries",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: [server, health]",
				"    interval: 30", "    timeout: -1s", "    start_period: 10us", "    start_interval: soon", "    retries: -2"},
			want: []string{
				`5:15 runtime.healthcheck.interval "30" is not a duration; write one like 30s, 1m30s or 500ms`,
				`6:14 runtime.healthcheck.timeout "-1s" is negative; write a duration like 30s, or leave it out for the default`,
				`7:19 runtime.healthcheck.start_period "10us" is shorter than 1ms, which container engines reject; write 1ms or more, or leave it out for the default`,
				`8:21 runtime.healthcheck.start_interval "soon" is not a duration; write one like 30s, 1m30s or 500ms`,
				`9:14 runtime.healthcheck.retries -2 is negative; write how many failed checks in a row make the container unhealthy, like 3`,
			},
		},
		{
			name:  "retries not a number",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: [server, health]", "    retries: '3'"},
			want:  []string{`5:14 runtime.healthcheck.retries must be a whole number, like 3, not "3"`},
		},
		{
			name:  "retries too big",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: [server, health]", "    retries: 99999999999999999999"},
			want:  []string{`5:14 runtime.healthcheck.retries must be a whole number, like 3, not "99999999999999999999"`},
		},
		{
			name:  "command a string",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: server health"},
			want:  []string{`4:14 runtime.healthcheck.command must be a list of strings, like [server, health], not "server health"`},
		},
		{
			name:  "misspelt key",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: [server, health]", "    startperiod: 5s"},
			want:  []string{`5:5 unknown key "startperiod" in runtime.healthcheck; did you mean "start_period"?`},
		},
		{
			name:  "zero is the default",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:", "    command: [/usr/local/bin/server, health]", "    interval: 0s", "    retries: 0"},
		},
		{
			name:  "empty healthcheck is none",
			lines: []string{"main: ./cmd/server", "runtime:", "  healthcheck:"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load("go-app.yaml", []byte(yamlText(tc.lines...)))
			if err == nil {
				err = s.FillDefaults(gomod)
			}
			got := problemsOf(t, err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
