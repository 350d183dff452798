package ocirun

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"

	"github.com/goappfrontend/go-app/internal/elfcheck"
	"github.com/goappfrontend/go-app/spec"
)

// ELFInfo is what CheckStaticELF looks at in a binary.
type ELFInfo struct {
	Class   elf.Class
	Machine elf.Machine
	Type    elf.Type
	// Interp is the program interpreter (PT_INTERP), "" for none.
	Interp string
	// Needed are the DT_NEEDED shared libraries.
	Needed []string
}

// InspectELF reads what CheckStaticELF looks at: the ELF and program
// headers and the program interpreter as the frontend's check reads them
// (package elfcheck), and the DT_NEEDED libraries from the sections.
func InspectELF(r io.ReaderAt) (ELFInfo, error) {
	f, err := elfcheck.Headers(r)
	if err != nil {
		return ELFInfo{}, err
	}
	defer f.Close()
	info := ELFInfo{Class: f.Class, Machine: f.Machine, Type: f.Type}
	if info.Interp, err = elfcheck.Interp(f); err != nil {
		return info, fmt.Errorf("read PT_INTERP: %w", err)
	}
	full, err := elf.NewFile(r)
	if err != nil {
		return info, err
	}
	defer full.Close()
	needed, err := full.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		// A static binary has no .dynamic section; that is not an error.
		if full.Section(".dynamic") != nil {
			return info, fmt.Errorf("read DT_NEEDED: %w", err)
		}
	}
	info.Needed = needed
	return info, nil
}

// ExpectedELF is the ELF machine and class of a GOARCH (see spec.Arches);
// ok is false for a GOARCH go-app does not build for.
func ExpectedELF(goarch string) (m elf.Machine, c elf.Class, ok bool) {
	a, ok := spec.ArchOf(goarch)
	return a.ELF.Machine, a.ELF.Class, ok
}

// CheckStaticELF checks that r is a statically linked ELF executable for
// goarch: the right machine and class, no program interpreter and no
// shared libraries.
func CheckStaticELF(r io.ReaderAt, goarch string) (ELFInfo, error) {
	info, err := InspectELF(r)
	if err != nil {
		return info, fmt.Errorf("not an ELF file: %w", err)
	}
	m, c, ok := ExpectedELF(goarch)
	if !ok {
		return info, fmt.Errorf("unknown GOARCH %q", goarch)
	}
	var errs []error
	if info.Machine != m {
		errs = append(errs, fmt.Errorf("machine %v, want %v for %s", info.Machine, m, goarch))
	}
	if info.Class != c {
		errs = append(errs, fmt.Errorf("class %v, want %v for %s", info.Class, c, goarch))
	}
	if info.Type != elf.ET_EXEC && info.Type != elf.ET_DYN {
		errs = append(errs, fmt.Errorf("type %v is not an executable", info.Type))
	}
	if info.Interp != "" {
		errs = append(errs, fmt.Errorf("has a program interpreter %q (dynamically linked)", info.Interp))
	}
	if len(info.Needed) > 0 {
		errs = append(errs, fmt.Errorf("needs shared libraries %v", info.Needed))
	}
	return info, errors.Join(errs...)
}
