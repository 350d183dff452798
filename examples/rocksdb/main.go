// Command rocksdb is the RocksDB case of go-app's cgo support: a program
// linked against Debian's librocksdb (7.8, with github.com/linxGnu/grocksdb
// v1.7.14, its matching release) with the link flags and tags the service
// it stands for used. It opens a database, writes keys, reads them back
// and prints them.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/linxGnu/grocksdb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rocksdb:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "rocksdb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	opts := grocksdb.NewDefaultOptions()
	defer opts.Destroy()
	opts.SetCreateIfMissing(true)
	opts.SetCompression(grocksdb.ZSTDCompression)
	db, err := grocksdb.OpenDb(opts, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	wo := grocksdb.NewDefaultWriteOptions()
	defer wo.Destroy()
	for _, kv := range [][2]string{{"a", "apple"}, {"b", "banana"}, {"c", "cherry"}} {
		if err := db.Put(wo, []byte(kv[0]), []byte(kv[1])); err != nil {
			return err
		}
	}
	fo := grocksdb.NewDefaultFlushOptions()
	defer fo.Destroy()
	if err := db.Flush(fo); err != nil {
		return err
	}
	ro := grocksdb.NewDefaultReadOptions()
	defer ro.Destroy()
	it := db.NewIterator(ro)
	defer it.Close()
	var got []string
	for it.SeekToFirst(); it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		got = append(got, string(k.Data())+"="+string(v.Data()))
		k.Free()
		v.Free()
	}
	if err := it.Err(); err != nil {
		return err
	}
	fmt.Printf("rocksdb on linux/%s: %s\n", runtime.GOARCH, strings.Join(got, " "))
	return nil
}
