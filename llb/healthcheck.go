package llb

import (
	"github.com/goappfrontend/go-app/spec"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// healthcheck is the image config's Healthcheck for runtime.healthcheck, in
// exec form (CMD), or nil when the spec has none (a base image's own
// healthcheck is kept then).
func healthcheck(s *spec.Spec) *dockerspec.HealthcheckConfig {
	test := s.HealthcheckTest()
	if test == nil {
		return nil
	}
	h := s.Runtime.Healthcheck
	hc := &dockerspec.HealthcheckConfig{Test: test, Retries: h.Retries}
	hc.Interval, hc.Timeout, hc.StartPeriod, hc.StartInterval = h.Durations()
	return hc
}
