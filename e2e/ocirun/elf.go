package ocirun

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
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

// InspectELF parses an ELF file.
func InspectELF(r io.ReaderAt) (ELFInfo, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return ELFInfo{}, err
	}
	defer f.Close()
	info := ELFInfo{Class: f.Class, Machine: f.Machine, Type: f.Type}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, err := io.ReadAll(p.Open())
			if err != nil {
				return info, fmt.Errorf("read PT_INTERP: %w", err)
			}
			info.Interp = string(trimNUL(b))
			if info.Interp == "" {
				info.Interp = "(empty)"
			}
		}
	}
	needed, err := f.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		// A static binary has no .dynamic section; that is not an error.
		if f.Section(".dynamic") != nil {
			return info, fmt.Errorf("read DT_NEEDED: %w", err)
		}
	}
	info.Needed = needed
	return info, nil
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// ExpectedELF is the ELF machine and class of a GOARCH; ok is false for a
// GOARCH this package does not know.
func ExpectedELF(goarch string) (m elf.Machine, c elf.Class, ok bool) {
	switch goarch {
	case "amd64":
		return elf.EM_X86_64, elf.ELFCLASS64, true
	case "arm64":
		return elf.EM_AARCH64, elf.ELFCLASS64, true
	case "arm":
		return elf.EM_ARM, elf.ELFCLASS32, true
	case "386":
		return elf.EM_386, elf.ELFCLASS32, true
	case "ppc64le", "ppc64":
		return elf.EM_PPC64, elf.ELFCLASS64, true
	case "s390x":
		return elf.EM_S390, elf.ELFCLASS64, true
	case "riscv64":
		return elf.EM_RISCV, elf.ELFCLASS64, true
	case "loong64":
		return elf.EM_LOONGARCH, elf.ELFCLASS64, true
	}
	return 0, 0, false
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
