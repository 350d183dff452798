package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The types below stand for a spec that has grown a key: schemagen must
// pick up a field it has never seen, from its type and doc comment alone.

// fakeSpec is a whole file.
type fakeSpec struct {
	// Main is the package to build.
	Main string `yaml:"main,omitempty"`

	// Deploy says where the image goes. See Deploy.Region.
	Deploy fakeDeploy `yaml:"deploy,omitempty"`

	// Hidden is not a key.
	Hidden string `yaml:"-"`
}

// fakeDeploy holds the deploy options.
type fakeDeploy struct {
	// Region is the region to deploy to (default "eu").
	Region string `yaml:"region,omitempty"`

	// Replicas are the replica names, next to Region.
	Replicas []string `yaml:"replicas,omitempty"`

	// Canary turns on canary releases (default false).
	Canary *bool `yaml:"canary,omitempty"`
}

// fakeUndocumented has a key without a doc comment.
type fakeUndocumented struct {
	Main string `yaml:"main"`
}

func TestNewFieldsArePickedUp(t *testing.T) {
	docs, err := parseFiles([]string{"newfield_test.go"})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := buildTree(reflect.TypeFor[fakeSpec](), docs)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, k := range tree.keys() {
		paths = append(paths, k.path)
	}
	if got, want := strings.Join(paths, " "), "main deploy deploy.region deploy.replicas deploy.canary"; got != want {
		t.Errorf("keys %q, want %q", got, want)
	}
	s, err := schemaOf(tree, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Properties struct {
			Deploy struct {
				Description          string `json:"description"`
				AdditionalProperties *bool  `json:"additionalProperties"`
				Properties           map[string]struct {
					Description string `json:"description"`
					Type        any    `json:"type"`
					Default     any    `json:"default"`
					Items       any    `json:"items"`
				} `json:"properties"`
			} `json:"deploy"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	d := got.Properties.Deploy
	if d.Description != "`deploy` says where the image goes. See `deploy.region`." {
		t.Errorf("deploy: description %q", d.Description)
	}
	if d.AdditionalProperties == nil || *d.AdditionalProperties {
		t.Errorf("deploy: additionalProperties %v, want false", d.AdditionalProperties)
	}
	region := d.Properties["region"]
	if region.Description != "`region` is the region to deploy to (default \"eu\")." || region.Default != "eu" {
		t.Errorf("deploy.region: description %q, default %v", region.Description, region.Default)
	}
	if r := d.Properties["replicas"]; r.Items == nil || !strings.Contains(r.Description, "next to `deploy.region`") {
		t.Errorf("deploy.replicas: %+v", r)
	}
	if c := d.Properties["canary"]; c.Default != false || !reflect.DeepEqual(c.Type, []any{"boolean", "string", "null"}) {
		t.Errorf("deploy.canary: %+v", c)
	}

	_, err = buildTree(reflect.TypeFor[fakeUndocumented](), docs)
	if err == nil || !strings.Contains(err.Error(), "spec.fakeUndocumented.Main has no doc comment") {
		t.Errorf("undocumented field: error %v", err)
	}
}
