module example.com/deps

go 1.26

require (
	github.com/google/uuid v1.6.0
	golang.org/x/text v0.30.0
)
