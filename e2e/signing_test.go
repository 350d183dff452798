package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goappfrontend/go-app/internal/stack"
)

// cosignPassword protects the test's throwaway key pair.
const cosignPassword = "e2e-signing-password"

// TestCosignSign runs the signing recipe of docs/signing.md end to end, with
// the pinned cosign the stack builds and a key pair generated here, offline
// (a signing config with no transparency log or timestamp service): the
// multi-platform image go-app pushed is signed by digest and verifies by its
// tag; its SBOM and provenance, attached with cosign attest, verify too; once the
// tag is moved to another image, verifying the tag fails while the first
// digest still verifies.
func TestCosignSign(t *testing.T) {
	needStack(t)
	cosign, err := exec.LookPath(env.Cosign)
	skipOrFail(t, "cosign (GOAPP_COSIGN; hack/stack.sh up builds it)", err)
	ctx, cancel := ctxFor(t, 10*time.Minute)
	defer cancel()

	dir := tmpDir(t, "signing-")
	ref := env.Registry + "/go-app-e2e/signed:" + nonce()
	first := pushHello(ctx, t, ref, "first", "--provenance=mode=max", "--sbom=true")
	run := func(args ...string) (string, error) {
		return stack.Cmd(ctx, dir, []string{"COSIGN_PASSWORD=" + cosignPassword}, cosign, args...)
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("%v\n%s", err, stack.Tail(out, 30))
		}
		return out
	}
	mustRun("generate-key-pair")
	mustRun("signing-config", "create", "--out", "signing-config.json")
	sign := []string{"--yes", "--key", "cosign.key", "--signing-config", "signing-config.json", "--allow-http-registry"}
	mustRun(append(append([]string{"sign"}, sign...), ref+"@"+first)...)

	verify := func(target string) (string, error) {
		return run("verify", "--key", "cosign.pub", "--insecure-ignore-tlog=true", "--allow-http-registry", "--output", "json", target)
	}
	out, err := verify(ref)
	if err != nil {
		t.Fatalf("cosign verify %s after signing it: %v\n%s", ref, err, stack.Tail(out, 30))
	}
	if !strings.Contains(out, `"docker-manifest-digest":"`+first+`"`) {
		t.Errorf("cosign verify %s does not name the signed digest %s:\n%s", ref, first, stack.Tail(out, 30))
	}

	// go-app's SBOM and BuildKit's provenance of the linux/amd64 image, as
	// cosign attestations.
	for _, a := range []struct{ field, predicate, cosignType, want string }{
		{"SBOM", "SPDX", "spdxjson", `"spdxVersion"`},
		{"Provenance", "SLSA", "slsaprovenance1", `"resolvedDependencies"`},
	} {
		pred, err := stack.Cmd(ctx, "", nil, "docker", "buildx", "imagetools", "inspect", "--builder", env.Builder,
			ref+"@"+first, "--format", `{{json (index .`+a.field+` "linux/amd64").`+a.predicate+`}}`)
		if err != nil || !strings.Contains(pred, a.want) {
			t.Fatalf("reading the %s of %s: %v\n%s", a.field, ref, err, stack.Tail(pred, 20))
		}
		file := a.cosignType + ".json"
		if err := os.WriteFile(filepath.Join(dir, file), []byte(pred), 0o644); err != nil {
			t.Fatal(err)
		}
		mustRun(append(append([]string{"attest", "--type", a.cosignType, "--predicate", file}, sign...), ref+"@"+first)...)
		out := mustRun("verify-attestation", "--key", "cosign.pub", "--insecure-ignore-tlog=true", "--allow-http-registry",
			"--type", a.cosignType, ref)
		if !strings.Contains(out, `"payloadType":"application/vnd.in-toto+json"`) {
			t.Errorf("cosign verify-attestation --type %s printed no in-toto statement:\n%s", a.cosignType, stack.Tail(out, 20))
		}
	}

	second := pushHello(ctx, t, ref, "second")
	if second == first {
		t.Fatalf("the second push gave the same digest %s; the test needs another image", first)
	}
	if out, err := verify(ref); err == nil {
		t.Errorf("cosign verify %s passed after the tag moved to the unsigned %s:\n%s", ref, second, stack.Tail(out, 30))
	} else if !strings.Contains(out, "no signatures found") && !strings.Contains(out, "no matching signatures") {
		t.Errorf("cosign verify of the moved tag failed, but not for want of a signature: %v\n%s", err, stack.Tail(out, 30))
	}
	if out, err := verify(ref + "@" + first); err != nil {
		t.Errorf("cosign verify of the signed digest failed after the tag moved: %v\n%s", err, stack.Tail(out, 30))
	}
}

// pushHello builds examples/hello for both platforms with a label that
// makes it differ from other pushes, and the extra arguments of docker
// buildx build, pushes it as ref and returns the index digest.
func pushHello(ctx context.Context, t *testing.T, ref, label string, extra ...string) string {
	t.Helper()
	meta := filepath.Join(tmpDir(t, "push-meta-"), "metadata.json")
	out, err := env.Buildx(ctx, stack.Build{
		Context:   exampleDir("hello"),
		Platforms: bothPlatforms,
		Labels:    map[string]string{"org.example.e2e.push": label},
		Output:    "type=image,name=" + ref + ",push=true,registry.insecure=true",
		Extra:     append([]string{"--metadata-file", meta}, extra...),
	})
	if err != nil {
		t.Fatalf("pushing %s: %v\n%s", ref, err, stack.Tail(out, 40))
	}
	var pushed struct {
		Digest string `json:"containerimage.digest"`
	}
	if b, err := os.ReadFile(meta); err != nil || json.Unmarshal(b, &pushed) != nil || !strings.HasPrefix(pushed.Digest, "sha256:") {
		t.Fatalf("no image digest in the metadata file of the push of %s (%v): %s", ref, err, b)
	}
	return pushed.Digest
}
