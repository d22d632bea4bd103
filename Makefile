# zcnic: see README.md. `make test` sets the machine up and runs every test.
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

.PHONY: all setup build cli run test vet clean bench-io

all: build

## setup: install DPDK and test tools, reserve and mount hugepages (idempotent, root)
setup:
	bash ci/setup.sh

## build: compile every package and command
build:
	$(GO) build ./...

## cli: build the zcnic command into bin/zcnic
cli:
	$(GO) build -o bin/zcnic ./cmd/zcnic

## run: setup, then the demo on virtual devices (about 10 s; output in out/demo)
run: setup cli
	./bin/zcnic demo --out out/demo

## vet: go vet
vet:
	$(GO) vet ./...

## test: setup, then gofmt, vet and all tests
test: setup
	bash ci/test.sh

## bench-io: zcnic vs dpdk-testpmd, io forwarding on a net_null pair, side by side
bench-io: setup
	bash bench/io-vs-testpmd.sh

## clean: drop build outputs and cached test results
clean:
	$(GO) clean -testcache
	rm -rf bin
