package main

// The address-space check of aslimit.c, which runs before the Go
// runtime starts: this file only makes the package build it.

import "C"
