# Builds every example with the go-app frontend:
#   docker buildx bake -f docker-bake.hcl
# FRONTEND picks the frontend image (e.g. FRONTEND=localhost:5000/go-app:dev).

variable "FRONTEND" {
  default = "goappfrontend/go-app:1"
}

group "default" {
  targets = ["hello", "deps", "multi"]
}

target "hello" {
  context    = "./hello"
  dockerfile = "go-app.yaml"
  args = {
    BUILDKIT_SYNTAX = FRONTEND
  }
  platforms = ["linux/amd64", "linux/arm64"]
}

target "deps" {
  context    = "./deps"
  dockerfile = "go-app.yaml"
  args = {
    BUILDKIT_SYNTAX = FRONTEND
  }
}

target "multi" {
  context    = "./multi"
  dockerfile = "go-app.yaml"
  args = {
    BUILDKIT_SYNTAX = FRONTEND
  }
}
