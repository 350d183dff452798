// Package filecap writes Linux file capabilities: the security.capability
// extended attribute that `setcap CAPS=+ep FILE` writes, which the kernel
// reads when the file is executed (capabilities(7), "File capabilities").
//
//	err := filecap.Set("/out/server", []string{"cap_net_bind_service"})
package filecap

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/goappfrontend/go-app/spec"
	"golang.org/x/sys/unix"
)

// Xattr is the name of the extended attribute file capabilities live in.
const Xattr = "security.capability"

// The vfs_cap_data layout of revision 2 (<linux/capability.h>): a magic
// word with the effective flag, then permitted and inheritable masks of
// capabilities 0-31 and 32-63, little-endian. Revision 2 has no root user
// id: the capabilities hold in every user namespace that maps the file.
const (
	capRevision2  = 0x02000000
	capEffective  = 0x000001
	revision2Size = 20
)

// Encode returns the security.capability value that makes caps (names as
// spec.CapabilityNumber takes them) permitted and effective, nothing
// inheritable.
func Encode(caps []string) ([]byte, error) {
	var permitted [2]uint32
	for _, c := range caps {
		n, ok := spec.CapabilityNumber(c)
		if !ok {
			return nil, fmt.Errorf("unknown capability %q", c)
		}
		permitted[n/32] |= 1 << (n % 32)
	}
	b := make([]byte, revision2Size)
	binary.LittleEndian.PutUint32(b[0:], capRevision2|capEffective)
	binary.LittleEndian.PutUint32(b[4:], permitted[0])
	binary.LittleEndian.PutUint32(b[12:], permitted[1])
	return b, nil
}

// Set writes caps as the file capabilities of the file at path.
func Set(path string, caps []string) error {
	v, err := Encode(caps)
	if err != nil {
		return err
	}
	if err := unix.Lsetxattr(path, Xattr, v, 0); err != nil {
		return &os.PathError{Op: "setxattr " + Xattr, Path: path, Err: err}
	}
	return nil
}
