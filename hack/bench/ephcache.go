package main

// Where the ephemeral scenario's BuildKit contenders keep their cache from
// the preparation to the timed run: a registry, the stand-in for the
// registry and gha backends that hosted CI uses (docs/ci.md), or a local
// directory. The two differ in more than where the blobs are: BuildKit
// imports a registry cache lazily and unpacks a layer when a step needs it,
// several at a time, while it unpacks every layer of a type=local import
// as it loads it, one after the other, under its cache manager's lock. And
// a registry export, like a CI job's into its one cache ref, uploads only
// the blobs the registry does not have, where a new directory gets them all.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
)

// The ephemeral scenario's cache backends (flag -ephemeral-cache).
const (
	ephCacheRegistry = "registry"
	ephCacheLocal    = "local"
)

// ephCache is the cache backend of the ephemeral scenario.
type ephCache struct {
	kind string
	// registry is the registry (host:port, over http) of kind registry:
	// each app, platform set and contender has a repository there, and
	// each run a tag for the preparation's export and one for the timed
	// run's.
	registry string
}

// locations returns where the preparation of run label exports the cache
// (and the timed run imports it from) and where the timed run exports
// its own: under dir for kind local, tags of one repository for kind
// registry.
func (c ephCache) locations(dir, repo, label string) (in, out string) {
	if c.kind == ephCacheLocal {
		return filepath.Join(dir, "cache-in"), filepath.Join(dir, "cache-out")
	}
	ref := c.registry + "/go-app-bench-cache/" + repo + ":" + label
	return ref + "-prep", ref + "-run"
}

// to is the --cache-to value that exports to loc.
func (c ephCache) to(loc string) string {
	if c.kind == ephCacheLocal {
		return "type=local,dest=" + loc + ",mode=max"
	}
	return "type=registry,ref=" + loc + ",mode=max"
}

// from is the --cache-from value that imports from loc.
func (c ephCache) from(loc string) string {
	if c.kind == ephCacheLocal {
		return "type=local,src=" + loc
	}
	return "type=registry,ref=" + loc
}

// sizes returns the size of the cache at in (the preparation's export;
// "" when nothing was imported) and what the timed run's export at out
// wrote: for kind local, the directories' bytes; for kind registry, the
// bytes of the blobs in's cache manifest lists, and of those out's lists
// and in's does not (the blobs the export uploaded).
func (c ephCache) sizes(ctx context.Context, in, out string) (imp, exp int64, err error) {
	if c.kind == ephCacheLocal {
		if in != "" {
			if imp, err = treeBytes(in); err != nil {
				return 0, 0, err
			}
		}
		exp, err = treeBytes(out)
		return imp, exp, err
	}
	inBlobs := map[string]int64{}
	if in != "" {
		if inBlobs, err = c.blobs(ctx, in); err != nil {
			return 0, 0, err
		}
	}
	outBlobs, err := c.blobs(ctx, out)
	if err != nil {
		return 0, 0, err
	}
	for d, n := range inBlobs {
		imp += n
		delete(outBlobs, d)
	}
	for _, n := range outBlobs {
		exp += n
	}
	return imp, exp, nil
}

// blobs returns the blobs, digest to size, that the cache manifest at ref
// (an index or an image manifest, as BuildKit writes either) lists.
func (c ephCache) blobs(ctx context.Context, ref string) (map[string]int64, error) {
	name, tag, ok := strings.Cut(strings.TrimPrefix(ref, c.registry+"/"), ":")
	if !ok {
		return nil, fmt.Errorf("cache ref %s has no tag", ref)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.registry+"/v2/"+name+"/manifests/"+tag, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.oci.image.index.v1+json",
		"application/vnd.oci.image.manifest.v1+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.docker.distribution.manifest.v2+json",
	}, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cache manifest %s: %s", ref, resp.Status)
	}
	type desc struct {
		Digest string `json:"digest"`
		Size   int64  `json:"size"`
	}
	var m struct {
		Manifests []desc `json:"manifests"`
		Layers    []desc `json:"layers"`
		Config    *desc  `json:"config"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("cache manifest %s: %w", ref, err)
	}
	all := append(m.Manifests, m.Layers...)
	if m.Config != nil {
		all = append(all, *m.Config)
	}
	blobs := make(map[string]int64, len(all))
	for _, d := range all {
		blobs[d.Digest] = d.Size
	}
	return blobs, nil
}

// localResults says whether results with cache backend kind used
// directories: "" is local too, from results written before the backend
// was recorded.
func localResults(kind string) bool { return kind != ephCacheRegistry }

// ephemeralSizes says what the sizes of the caches table are with cache
// backend kind.
func ephemeralSizes(kind string) string {
	if localResults(kind) {
		return "\"cache restored\" is the size of what the timed build started from: the preparation's `--cache-to type=local,mode=max` directory " +
			"(du -sb), for ko the .tar.gz of GOCACHE and GOMODCACHE; \"cache exported\" is the `--cache-to` directory the timed build wrote. Medians over the runs."
	}
	return "\"cache restored\" is the size of what the timed build started from: the blobs of the preparation's `--cache-to type=registry,mode=max` cache manifest, " +
		"for ko the .tar.gz of GOCACHE and GOMODCACHE; \"cache exported\" is what the timed build's `--cache-to` uploaded: the blobs of its cache manifest the registry did not have. Medians over the runs."
}

// ephemeralNote describes the ephemeral scenario with cache backend kind.
func ephemeralNote(kind string) string {
	cache := "--cache-to type=registry,ref=REPO:RUN-prep,mode=max " +
		"(a registry of the local stack, the stand-in for the registry and gha backends of hosted CI)"
	timed := "--cache-from type=registry,ref=REPO:RUN-prep and --cache-to type=registry,ref=REPO:RUN-run,mode=max into the same repository, " +
		"which uploads only the blobs the registry does not have, as a CI job's export into its cache ref does"
	if localResults(kind) {
		cache = "--cache-to type=local,dest=DIR,mode=max"
		timed = "--cache-from type=local,src=DIR and --cache-to type=local,dest=DIR2,mode=max " +
			"(BuildKit unpacks every layer of a type=local import as it loads it, one after the other)"
	}
	return "Ephemeral runner: every build of this scenario, untimed preparation and timed run alike, " +
		"runs on a new buildkitd with an empty state directory (the bench daemon's binary and configuration, its own --root and socket), " +
		"stopped and deleted right after it. The preparation builds the previous commit with " + cache +
		" (ko: on the host with empty GOCACHE and GOMODCACHE, then tar+gzip of both, what actions/cache saves); " +
		"the timed run makes the one-line change and builds with " + timed + ", " +
		"the export included, as in a CI job (ko: untar into empty directories, then ko build; the restore is timed, and nothing is saved, " +
		"as actions/cache saves only when its key missed). Starting the daemon is not timed; pulling the toolchain and frontend images and importing the cache are. " +
		"\"go-app, no cache import\" is the same go-app build without --cache-from."
}
