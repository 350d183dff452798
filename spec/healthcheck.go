package spec

import (
	"path"
	"slices"
	"strings"
	"time"
)

// MinHealthcheckDuration is the shortest non-zero duration of a
// healthcheck Docker accepts.
const MinHealthcheckDuration = time.Millisecond

// healthcheckDurations are the duration keys of runtime.healthcheck.
var healthcheckDurations = []string{"interval", "timeout", "start_period", "start_interval"}

// Durations returns the healthcheck's durations, in the order interval,
// timeout, start_period, start_interval; one left out is 0. Call it on a
// validated spec: a duration that does not parse is 0 too.
func (h Healthcheck) Durations() (interval, timeout, startPeriod, startInterval time.Duration) {
	d := func(s string) time.Duration {
		v, _ := time.ParseDuration(s)
		return v
	}
	return d(h.Interval), d(h.Timeout), d(h.StartPeriod), d(h.StartInterval)
}

// IsSet reports whether the spec asks for a healthcheck.
func (h Healthcheck) IsSet() bool {
	return len(h.Command) > 0
}

// healthcheck checks runtime.healthcheck, all but what the command's first
// element names (healthcheckCommand).
func (v *validator) healthcheck() {
	h := v.s.Runtime.Healthcheck
	const key = "runtime.healthcheck"
	values := []string{h.Interval, h.Timeout, h.StartPeriod, h.StartInterval}
	if !h.IsSet() && (v.has(key+".command") || h.Retries != 0 || slices.ContainsFunc(values, func(s string) bool { return s != "" })) {
		v.add(v.at(key+".command", key), "%s.command is required; set it to the check to run, like [server, health]", key)
	}
	for i, name := range healthcheckDurations {
		s := values[i]
		if s == "" {
			continue
		}
		k := key + "." + name
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			v.add(v.at(k), "%s %q is not a duration; write one like 30s, 1m30s or 500ms", k, s)
		case d < 0:
			v.add(v.at(k), "%s %q is negative; write a duration like 30s, or leave it out for the default", k, s)
		case d > 0 && d < MinHealthcheckDuration:
			v.add(v.at(k), "%s %q is shorter than 1ms, which container engines reject; write 1ms or more, or leave it out for the default", k, s)
		}
	}
	if h.Retries < 0 {
		v.add(v.at(key+".retries"), "%s.retries %d is negative; write how many failed checks in a row make the container unhealthy, like 3", key, h.Retries)
	}
	if h.IsSet() {
		first := h.Command[0]
		at := v.at(key+".command.0", key+".command")
		switch {
		case first == "CMD" || first == "CMD-SHELL" || first == "NONE":
			v.add(at, "%s starts with %q; write the command itself, like [server, health]: go-app runs it directly (exec form), and scratch has no shell", key+".command", first)
		case first == "":
			v.add(at, "%s.command.0 is empty; name one of the binaries or an absolute path in the image", key)
		case strings.Contains(first, "/") && !path.IsAbs(first):
			v.add(at, "%s.command.0 %q must be one of the binaries' names or an absolute path in the image, like /usr/local/bin/server", key, first)
		case path.IsAbs(first) && pathProblem(first) != "":
			v.add(at, "%s.command.0 %s", key, pathProblem(first))
		}
	}
}

// healthcheckCommand checks that the first element of the healthcheck's
// command names a binary, unless it is an absolute path.
func (v *validator) healthcheckCommand(names []string) {
	h := v.s.Runtime.Healthcheck
	if !h.IsSet() || len(names) == 0 {
		return
	}
	first := h.Command[0]
	at := v.at("runtime.healthcheck.command.0", "runtime.healthcheck.command")
	if path.IsAbs(first) && v.s.onScratch() && !v.s.inImage(first, names) {
		v.add(at, "runtime.healthcheck.command.0 %q is not in the image: on scratch it holds only the binaries (%s) and runtime.files, so the check could never run; name a binary, like %s, or set runtime.base to an image that has %q", first, binaryPath("NAME"), names[0], first)
		return
	}
	if first == "" || strings.Contains(first, "/") || first == "CMD" || first == "CMD-SHELL" || first == "NONE" || slices.Contains(names, first) {
		return // reported by healthcheck, or valid
	}
	msg := msgf("runtime.healthcheck.command.0 %q is not a binary of this spec; use one of: %s, or an absolute path in the image", first, someOf(names))
	if s := closest(first, names); s != "" && s != first {
		msg = msgf("runtime.healthcheck.command.0 %q is not a binary of this spec; did you mean %q? (binaries: %s; or an absolute path in the image)", first, s, someOf(names))
	}
	v.add(at, "%s", msg)
}

// HealthcheckTest is the image config's Healthcheck.Test of a validated
// spec with defaults filled: CMD, then the command with a binary's name
// turned into its path in the image. It is nil without a healthcheck.
func (s *Spec) HealthcheckTest() []string {
	h := s.Runtime.Healthcheck
	if !h.IsSet() {
		return nil
	}
	test := append([]string{"CMD"}, h.Command...)
	if !strings.Contains(test[1], "/") {
		test[1] = DefaultBinaryDir + "/" + test[1]
	}
	return test
}
