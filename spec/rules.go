package spec

// Rule is a kind of problem in go-app.yaml or go.mod, like a rule of
// BuildKit's Dockerfile linter: every Error carries the one it breaks, and
// `docker buildx build --call check` reports each problem under its rule's
// name, description and URL.
type Rule struct {
	// Name is the rule's name in check output: "UnknownKey".
	Name string
	// Description says what the rule asks for, in a sentence.
	Description string
	// URL is the section of the reference (docs/reference.md) that
	// explains the rule.
	URL string
}

// ReferenceURL is where docs/reference.md is published; a rule's URL is
// its section there.
const ReferenceURL = "https://github.com/goappfrontend/go-app/blob/main/docs/reference.md"

// The rules, one for each kind of problem.
var (
	RuleInvalidYAML = Rule{
		Name:        "InvalidYAML",
		Description: "go-app.yaml must be one YAML document",
		URL:         ReferenceURL + "#invalidyaml",
	}
	RuleUnknownKey = Rule{
		Name:        "UnknownKey",
		Description: "Every key of go-app.yaml must be one go-app knows",
		URL:         ReferenceURL + "#unknownkey",
	}
	RuleDuplicateKey = Rule{
		Name:        "DuplicateKey",
		Description: "A key may appear once in a map",
		URL:         ReferenceURL + "#duplicatekey",
	}
	RuleWrongType = Rule{
		Name:        "WrongType",
		Description: "Every value must have the type its key expects",
		URL:         ReferenceURL + "#wrongtype",
	}
	RuleInvalidValue = Rule{
		Name:        "InvalidValue",
		Description: "Every value must be one go-app can build with",
		URL:         ReferenceURL + "#invalidvalue",
	}
	RuleInvalidGoMod = Rule{
		Name:        "InvalidGoMod",
		Description: "go.mod must be a valid go.mod with a module line and a go line",
		URL:         ReferenceURL + "#invalidgomod",
	}
	RuleMissingModule = Rule{
		Name:        "MissingModule",
		Description: "Every directory a replace directive or a go.work use directive names must be a module inside the build context",
		URL:         ReferenceURL + "#missingmodule",
	}
)

// Rules are all the rules, in the order the reference lists them.
var Rules = []Rule{RuleInvalidYAML, RuleUnknownKey, RuleDuplicateKey, RuleWrongType, RuleInvalidValue, RuleInvalidGoMod, RuleMissingModule}
