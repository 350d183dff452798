// Command sqlite is the cgo example: it links SQLite through
// github.com/mattn/go-sqlite3 with the libsqlite3 build tag, so that the C
// library comes from Debian's libsqlite3-dev (build.cgo_packages) instead
// of the copy of SQLite the Go module bundles. It creates a table in a
// database file, inserts rows, queries them and prints the result.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sqlite:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "sqlite-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite3", filepath.Join(dir, "app.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE fruit (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return err
	}
	for _, name := range []string{"apple", "banana", "cherry"} {
		if _, err := db.Exec(`INSERT INTO fruit (name) VALUES (?)`, name); err != nil {
			return err
		}
	}
	rows, err := db.Query(`SELECT name FROM fruit WHERE name > ? ORDER BY id`, "b")
	if err != nil {
		return err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var version string
	if err := db.QueryRow(`SELECT sqlite_version()`).Scan(&version); err != nil {
		return err
	}
	fmt.Printf("sqlite %s on linux/%s: %s\n", version, runtime.GOARCH, strings.Join(names, ", "))
	return nil
}
