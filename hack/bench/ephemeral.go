package main

// The ephemeral scenario: a hosted CI runner, which starts every job on a
// new, empty BuildKit and gets only the cache the previous job exported.
// Every build of it, untimed preparation and timed run alike, runs on a
// throwaway buildkitd of its own: the bench daemon's binary and
// configuration (hack/stack.sh buildkitd-config) with an empty --root under
// the state directory and a socket of its own, stopped and deleted right
// after the build.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ephBuilderPrefix names the buildx builder of a throwaway daemon.
const ephBuilderPrefix = "go-app-bench-eph-"

// ephDaemon is one throwaway buildkitd and its buildx builder.
type ephDaemon struct {
	name, dir, sock, addr, builder string
	cmd                            *exec.Cmd
	done                           chan struct{} // closed when the process has exited
}

func (r *runner) ephemeralDir() string { return filepath.Join(r.state, "ephemeral") }

// startDaemon starts a new buildkitd with an empty root and a buildx builder
// on it, and waits until it answers. On error, nothing of it is left.
func (r *runner) startDaemon(ctx context.Context) (d *ephDaemon, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.ephSeq++
	name := fmt.Sprintf("%s-%d", r.session, r.ephSeq)
	d = &ephDaemon{
		name:    name,
		dir:     filepath.Join(r.ephemeralDir(), name),
		sock:    filepath.Join(r.sockDir, "eph-"+name+".sock"),
		builder: ephBuilderPrefix + name,
	}
	d.addr = "unix://" + d.sock
	defer func() {
		if err != nil {
			if serr := d.stop(); serr != nil {
				r.logf("stopping throwaway buildkitd %s: %v", d.name, serr)
			}
			d = nil
		}
	}()
	root := filepath.Join(d.dir, "root")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return d, err
	}
	if err := os.MkdirAll(r.sockDir, 0o755); err != nil {
		return d, err
	}
	// The bench daemon's configuration, with this daemon's root and address.
	conf, err := exec.CommandContext(ctx, filepath.Join(r.repo, "hack", "stack.sh"), "buildkitd-config", root, d.addr).Output()
	if err != nil {
		return d, fmt.Errorf("hack/stack.sh buildkitd-config: %w", err)
	}
	toml := filepath.Join(d.dir, "buildkitd.toml")
	if err := os.WriteFile(toml, conf, 0o644); err != nil {
		return d, err
	}
	if err := os.WriteFile(filepath.Join(d.dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return d, err
	}
	logFile := filepath.Join(r.logDir, "buildkitd-"+name+".log")
	lf, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return d, err
	}
	cmd := exec.Command(r.buildkitd, "--config", toml, "--root", root, "--addr", d.addr)
	cmd.Stdout, cmd.Stderr = lf, lf
	// A session of its own, like the bench daemon: a Ctrl-C of the
	// terminal reaches the harness, which stops the daemon itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return d, fmt.Errorf("starting %s: %w", r.buildkitd, err)
	}
	d.cmd, d.done = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		lf.Close()
		close(d.done)
	}()
	if err := os.WriteFile(filepath.Join(d.dir, "pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		return d, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-d.done:
			return d, fmt.Errorf("throwaway buildkitd exited; see %s", logFile)
		case <-ctx.Done():
			return d, ctx.Err()
		default:
		}
		if _, err := runCmd(ctx, "", nil, r.buildctl, "--addr", d.addr, "--timeout", "3", "debug", "workers"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return d, fmt.Errorf("throwaway buildkitd did not answer on %s within 60s; see %s", d.addr, logFile)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, _ = runCmd(ctx, "", nil, "docker", "buildx", "rm", d.builder)
	if out, err := runCmd(ctx, "", nil, "docker", "buildx", "create", "--name", d.builder, "--driver", "remote", d.addr); err != nil {
		return d, fmt.Errorf("docker buildx create %s: %v\n%s", d.builder, err, tail(out, 10))
	}
	if out, err := runCmd(ctx, "", nil, "docker", "buildx", "inspect", "--bootstrap", "--builder", d.builder); err != nil {
		return d, fmt.Errorf("docker buildx inspect --bootstrap %s: %v\n%s", d.builder, err, tail(out, 10))
	}
	if r.verbose {
		r.logf("throwaway buildkitd %s: pid %d on %s", name, cmd.Process.Pid, d.addr)
	}
	return d, nil
}

// stop removes the builder, stops the daemon (SIGTERM, SIGKILL after 15 s)
// and deletes its state and socket. It does not depend on any context, so
// that it also runs after an interrupt.
func (d *ephDaemon) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = runCmd(ctx, "", nil, "docker", "buildx", "rm", d.builder)
	if d.cmd != nil {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(15 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.done
		}
	}
	unmountUnder(d.dir)
	if err := os.Remove(d.sock); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return removeAll(d.dir)
}

// onNewDaemon runs f with a new throwaway daemon, and stops it whatever
// happens.
func (r *runner) onNewDaemon(ctx context.Context, f func(d *ephDaemon) error) (err error) {
	d, err := r.startDaemon(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if serr := d.stop(); serr != nil && err == nil {
			err = fmt.Errorf("stopping throwaway buildkitd %s: %w", d.name, serr)
		}
	}()
	return f(d)
}

// cleanStaleDaemons stops and deletes the throwaway daemons of an earlier
// harness that could not do it itself (killed with SIGKILL): those whose
// owner process is gone. hack/bench/bench.sh does the same when it exits.
func (r *runner) cleanStaleDaemons() {
	ents, _ := os.ReadDir(r.ephemeralDir())
	for _, e := range ents {
		dir := filepath.Join(r.ephemeralDir(), e.Name())
		if owner := readPid(filepath.Join(dir, "owner")); owner > 0 {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", owner)); err == nil {
				continue // its harness still runs
			}
		}
		d := &ephDaemon{name: e.Name(), dir: dir, sock: filepath.Join(r.sockDir, "eph-"+e.Name()+".sock"), builder: ephBuilderPrefix + e.Name()}
		if pid := readPid(filepath.Join(dir, "pid")); pid > 0 && r.isThrowaway(pid, filepath.Join(dir, "root")) {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Signal(syscall.SIGTERM)
				for i := 0; i < 150 && procExists(pid); i++ {
					time.Sleep(100 * time.Millisecond)
				}
				if procExists(pid) {
					_ = p.Signal(syscall.SIGKILL)
					time.Sleep(500 * time.Millisecond)
				}
			}
		}
		if err := d.stop(); err != nil {
			r.logf("removing the left-over throwaway buildkitd %s: %v", dir, err)
			continue
		}
		r.logf("removed a throwaway buildkitd left over by an earlier run (%s)", dir)
	}
}

func readPid(file string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

func procExists(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

// isThrowaway reports whether pid is r.buildkitd running with --root root.
func (r *runner) isThrowaway(pid int, root string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	argv := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if len(argv) == 0 || argv[0] != r.buildkitd {
		return false
	}
	for i := 1; i+1 < len(argv); i++ {
		if argv[i] == "--root" && argv[i+1] == root {
			return true
		}
	}
	return false
}

// unmountUnder detaches every mount below dir (a buildkitd killed in a
// build can leave its overlay mounts), deepest first.
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var mps []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMountinfo(f[4])
		if strings.HasPrefix(mp, dir+"/") {
			mps = append(mps, mp)
		}
	}
	sort.Slice(mps, func(i, j int) bool { return len(mps[i]) > len(mps[j]) })
	for _, mp := range mps {
		_ = syscall.Unmount(mp, syscall.MNT_DETACH)
	}
}

// unescapeMountinfo undoes the octal escapes (\040 for a space) of
// /proc/self/mountinfo.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ephemeralRound runs the ephemeral scenario once for every active
// contender, in an order rotated by the run index like round.
func (r *runner) ephemeralRound(ctx context.Context, a App, p PlatformSet, active []Contender, i int) error {
	r.seq++
	prev := fmt.Sprintf("eph-prev-%s-%d", r.session, r.seq)
	next := fmt.Sprintf("eph-edit-%s-%d", r.session, r.seq)
	for j := range active {
		ct := active[(i+j)%len(active)]
		k := key{a.Name, scEphemeral, p.Name, ct.ID}
		n := runsFor(r.runRules, k)
		if i >= n {
			continue
		}
		res := r.rs.find(k)
		if res.Error != "" {
			continue // it failed before: do not spend time on it again
		}
		b, imp, exp, err := r.ephemeralRun(ctx, a, p, ct, i, prev, next)
		if err != nil {
			res.Error = err.Error()
			r.rs.Errors = append(r.rs.Errors, k.String()+": "+err.Error())
			r.logf("%-5s %-11s %-8s %-10s run %d/%d FAILED: %v", a.Name, p.Name, scEphemeral, ct.ID, i+1, n, err)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		res.Runs = append(res.Runs, b.seconds)
		res.RunLoad = append(res.RunLoad, b.load)
		res.CacheImportBytes = append(res.CacheImportBytes, imp)
		res.CacheExportBytes = append(res.CacheExportBytes, exp)
		if b.trace != nil {
			r.traces[k] = append(r.traces[k], b.trace)
		}
		if b.image != nil {
			res.Image = b.image
		}
		if b.goBuild != "" {
			res.GoBuild = b.goBuild
		}
		r.logf("%-5s %-11s %-8s %-10s run %d/%d %7.2fs (cache restored %s, exported %s)", a.Name, p.Name, scEphemeral, ct.ID, i+1, n,
			b.seconds, bytesStr(imp), bytesStr(exp))
	}
	return nil
}

// ephemeralRun is one run of the ephemeral scenario for one contender: the
// untimed preparation (the previous commit, prev, built on a new daemon
// that exports its cache; for ko, built with empty Go caches that are then
// tarred), the one-line change (next), and the timed build on another new
// daemon that imports that cache. imp is the size of the cache the timed
// build starts from, exp the size of the cache it exported.
func (r *runner) ephemeralRun(ctx context.Context, a App, p PlatformSet, ct Contender, i int, prev, next string) (b *buildResult, imp, exp int64, err error) {
	c := r.copies[a.Name]
	dir, err := os.MkdirTemp(r.work, "eph-")
	if err != nil {
		return nil, 0, 0, err
	}
	defer func() { _ = removeAll(dir) }()
	label := fmt.Sprintf("%s-%d", scEphemeral, i+1)
	repo := strings.ReplaceAll(strings.ToLower(a.Name+"-"+p.Name+"-"+ct.ID), "+", "-")
	cacheIn, cacheOut := r.ephCache.locations(dir, repo, r.session+"-"+label)
	tarball := filepath.Join(dir, "go-caches.tar.gz")

	// Preparation: the previous commit.
	if err := c.setBase(prev); err != nil {
		return nil, 0, 0, err
	}
	switch {
	case ct.NoCacheImport:
	case ct.Kind == kindBuildKit:
		err := r.onNewDaemon(ctx, func(d *ephDaemon) error {
			_, err := r.build(ctx, a, p, ct, label+"-prep", buildOpts{builder: d.builder,
				buildArgs: []string{"--cache-to", r.ephCache.to(cacheIn)}})
			return err
		})
		if err != nil {
			return nil, 0, 0, fmt.Errorf("preparation: %w", err)
		}
	case ct.Kind == kindKo:
		// Both directories exist even when one stays empty (hello has no
		// module to download), as actions/cache's paths do.
		prep := filepath.Join(dir, "prep")
		for _, d := range []string{"gocache", "gomodcache"} {
			if err := os.MkdirAll(filepath.Join(prep, d), 0o755); err != nil {
				return nil, 0, 0, err
			}
		}
		if _, err := r.build(ctx, a, p, ct, label+"-prep", buildOpts{
			goCache: filepath.Join(prep, "gocache"), goModCache: filepath.Join(prep, "gomodcache")}); err != nil {
			return nil, 0, 0, fmt.Errorf("preparation: %w", err)
		}
		if out, err := runCmd(ctx, "", nil, "tar", "-czf", tarball, "-C", prep, "gocache", "gomodcache"); err != nil {
			return nil, 0, 0, fmt.Errorf("preparation: tar: %v\n%s", err, tail(out, 10))
		}
		if err := removeAll(prep); err != nil {
			return nil, 0, 0, err
		}
		fi, err := os.Stat(tarball)
		if err != nil {
			return nil, 0, 0, err
		}
		imp = fi.Size()
	default:
		return nil, 0, 0, fmt.Errorf("contender %s (%s) has no ephemeral variant", ct.ID, ct.Kind)
	}

	// The one-line change, then the timed build.
	if err := c.setBase(next); err != nil {
		return nil, 0, 0, err
	}
	switch ct.Kind {
	case kindBuildKit:
		args := []string{"--cache-to", r.ephCache.to(cacheOut)}
		if !ct.NoCacheImport {
			args = append([]string{"--cache-from", r.ephCache.from(cacheIn)}, args...)
		}
		err = r.onNewDaemon(ctx, func(d *ephDaemon) error {
			var err error
			b, err = r.build(ctx, a, p, ct, label, buildOpts{inspect: true, builder: d.builder, buildArgs: args})
			return err
		})
		if err != nil {
			return nil, 0, 0, err
		}
		if ct.NoCacheImport {
			cacheIn = ""
		}
		if imp, exp, err = r.ephCache.sizes(ctx, cacheIn, cacheOut); err != nil {
			return nil, 0, 0, err
		}
	case kindKo:
		restore := filepath.Join(dir, "restore")
		if err := os.MkdirAll(restore, 0o755); err != nil {
			return nil, 0, 0, err
		}
		b, err = r.build(ctx, a, p, ct, label, buildOpts{inspect: true,
			goCache: filepath.Join(restore, "gocache"), goModCache: filepath.Join(restore, "gomodcache"),
			before: [][]string{{"tar", "-xzf", tarball, "-C", restore}}})
		if err != nil {
			return nil, 0, 0, err
		}
	}
	return b, imp, exp, nil
}

// treeBytes is the size of the regular files under dir (du -sb).
func treeBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	return n, err
}
