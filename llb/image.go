package llb

import (
	"maps"
	"strings"
	"time"

	"github.com/goappfrontend/go-app/spec"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// CertFile is where the runtime image keeps the CA bundle; SSL_CERT_FILE
// points at it for programs that do not look there by themselves.
const CertFile = "/etc/ssl/certs/ca-certificates.crt"

// imageConfig is the config of the runtime image for one platform.
func imageConfig(opt Options, target ocispecs.Platform) (*dockerspec.DockerOCIImage, error) {
	s := opt.Spec
	img := minimalImage(opt, target)
	if opt.Base != nil && opt.Base.Config != nil {
		base := *opt.Base.Config
		img.Config = base.Config
		img.Config.Labels = maps.Clone(base.Config.Labels)
		for _, k := range ownLabels {
			delete(img.Config.Labels, k)
		}
		img.Config.Env = append([]string(nil), base.Config.Env...)
	}

	defaults := []string{"PATH=" + spec.DefaultRuntimePATH}
	if opt.Base == nil {
		defaults = append(defaults, "SSL_CERT_FILE="+CertFile)
	}
	// On a base image its own PATH wins over the default one.
	img.Config.Env = mergeEnv(defaults, img.Config.Env, envList(s.Runtime.Env))
	if opt.Debug != nil {
		img.Config.Env = debugPATH(img.Config.Env)
	}

	img.Config.Entrypoint = []string{spec.DefaultBinaryDir + "/" + s.Runtime.Entrypoint}
	img.Config.Cmd = append([]string(nil), s.Runtime.Args...)
	img.Config.User = s.Runtime.User
	img.Config.WorkingDir = s.Runtime.Workdir
	if len(s.Runtime.Ports) > 0 {
		img.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range s.Runtime.Ports {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			img.Config.ExposedPorts[p] = struct{}{}
		}
	}
	if hc := healthcheck(s); hc != nil {
		img.Config.Healthcheck = hc
	}
	img.Config.Labels = mergeLabels(img.Config.Labels, ociLabels(opt, *img.Created), baseLabels(opt.Base), s.Labels, opt.Labels)
	return img, nil
}

// ociLabels are the org.opencontainers.image.* annotations go-app knows.
func ociLabels(opt Options, created time.Time) map[string]string {
	l := map[string]string{
		ocispecs.AnnotationTitle:   opt.Spec.Runtime.Entrypoint,
		ocispecs.AnnotationCreated: created.Format(time.RFC3339),
	}
	for k, v := range map[string]string{
		ocispecs.AnnotationVersion:  opt.Metadata.Version,
		ocispecs.AnnotationRevision: opt.Metadata.Revision,
		ocispecs.AnnotationSource:   opt.Metadata.Source,
	} {
		if v != "" {
			l[k] = v
		}
	}
	return l
}

// mergeLabels overlays label maps left to right.
func mergeLabels(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}
