package main

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goappfrontend/go-app/spec"
)

// node is a value of go-app.yaml: the whole file, a key, a list item or a
// map value.
type node struct {
	path   string       // "runtime.ports", "binaries[].name", "runtime.ports[]", "labels.*"; "" for the file
	key    string       // the key; "" for the file, list items and map values
	goName string       // "Runtime.Ports", for messages
	t      reflect.Type // the value's type, pointers removed
	doc    docText      // the field's comment; for a list item of a struct type, the type's
	def    *defaultValue
	fields []*node // a struct's keys, in declaration order
	elem   *node   // a list's items or a map's values
}

// specType is the type of a whole go-app.yaml.
var specType = reflect.TypeFor[spec.Spec]()

// buildTree walks root, the type of the whole file (spec.Spec), and
// returns its node. docs documents root's package.
func buildTree(root reflect.Type, docs *pkgDocs) (*node, error) {
	n := &node{t: root, goName: root.Name()}
	b := &treeBuilder{docs: docs, root: root}
	td, err := b.typeDoc(root)
	if err != nil {
		return nil, err
	}
	n.doc = parseDoc(summary(td.doc, root.Name()), nil)
	if err := b.walk(n, false); err != nil {
		return nil, err
	}
	return n, nil
}

type treeBuilder struct {
	docs *pkgDocs
	root reflect.Type
}

// walk fills the children of n; inList says whether n is (inside) a list
// item.
func (b *treeBuilder) walk(n *node, inList bool) error {
	switch n.t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int:
		return nil
	case reflect.Slice:
		n.elem = &node{path: n.path + "[]", goName: n.goName + "[]", t: deref(n.t.Elem())}
		if n.elem.t.Kind() == reflect.Struct {
			td, err := b.typeDoc(n.elem.t)
			if err != nil {
				return err
			}
			tr := &translator{root: b.root, cur: n.elem.t, path: n.elem.path, inList: true}
			n.elem.doc = parseDoc(summary(td.doc, n.elem.t.Name()), tr)
		}
		return b.walk(n.elem, true)
	case reflect.Map:
		if n.t.Key().Kind() != reflect.String {
			return fmt.Errorf("spec.%s: a map with %s keys; go-app.yaml keys are strings (teach hack/schemagen the new kind)", n.goName, n.t.Key())
		}
		n.elem = &node{path: n.path + ".*", goName: n.goName + "[key]", t: deref(n.t.Elem())}
		return b.walk(n.elem, inList)
	case reflect.Struct:
		return b.walkStruct(n, inList)
	}
	return fmt.Errorf("spec.%s is a %s; go-app.yaml has no such values yet: teach hack/schemagen (schemaOf) what the spec loader accepts for it", n.goName, n.t.Kind())
}

func (b *treeBuilder) walkStruct(n *node, inList bool) error {
	td, err := b.typeDoc(n.t)
	if err != nil {
		return err
	}
	for i := range n.t.NumField() {
		f := n.t.Field(i)
		key, ok := yamlKey(f)
		if !ok {
			continue
		}
		if f.Anonymous {
			return fmt.Errorf("spec.%s.%s is embedded; the spec loader reads no embedded structs", n.t.Name(), f.Name)
		}
		doc := td.fields[f.Name]
		if strings.TrimSpace(doc) == "" {
			return fmt.Errorf("spec.%s.%s has no doc comment; document it in spec/: it is the description of %s in %s and %s",
				n.t.Name(), f.Name, joinPath(n.path, key), schemaFile, referenceFile)
		}
		tr := &translator{root: b.root, cur: n.t, path: n.path, inList: inList, field: f.Name, key: key}
		c := &node{
			path:   joinPath(n.path, key),
			key:    key,
			goName: n.t.Name() + "." + f.Name,
			t:      deref(f.Type),
			doc:    parseDoc(doc, tr),
		}
		c.def = findDefault(c.doc)
		n.fields = append(n.fields, c)
		if err := b.walk(c, inList); err != nil {
			return err
		}
	}
	return nil
}

// typeDoc returns the documentation of a struct type of package spec.
func (b *treeBuilder) typeDoc(t reflect.Type) (*typeDoc, error) {
	if t.PkgPath() != b.root.PkgPath() || t.Name() == "" {
		return nil, fmt.Errorf("%s is not a named type of package spec; go-app.yaml's maps are spec types, documented in spec/", t)
	}
	td, ok := b.docs.types[t.Name()]
	if !ok {
		return nil, fmt.Errorf("type spec.%s is not declared in the files of spec/", t.Name())
	}
	return td, nil
}

// yamlKey returns the key of a struct field: the name in its yaml tag. A
// field without one, or with "-", is no key (as for the spec loader).
func yamlKey(f reflect.StructField) (string, bool) {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if !f.IsExported() || name == "" || name == "-" {
		return "", false
	}
	return name, true
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// joinPath appends a key to a key path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// keys returns every key node below n, depth first, in declaration order.
func (n *node) keys() []*node {
	var out []*node
	var walk func(n *node)
	walk = func(n *node) {
		for _, c := range n.fields {
			out = append(out, c)
			walk(c)
		}
		if n.elem != nil {
			walk(n.elem)
		}
	}
	walk(n)
	return out
}
