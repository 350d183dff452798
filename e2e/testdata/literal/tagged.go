//go:build goappe2e

package main

func init() { tagged = true }
