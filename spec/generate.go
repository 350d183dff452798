package spec

// spec/schema.json and docs/reference.md are generated from the types and
// doc comments of this package.
//go:generate go run ../hack/schemagen
