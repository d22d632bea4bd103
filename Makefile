# zcnic: see README.md. `make test` sets the machine up and runs every test.
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
# x86-64-v2 (SSE4.2, POPCNT) is the corei7 baseline DPDK itself is built
# for here (-march=corei7 in libdpdk's pkg-config flags): Go code may use
# what the C code already requires. It means nothing to GOARCH=arm64
# builds (make build-arm64), which ci/arm64.sh makes without it.
export GOAMD64 ?= v2

.PHONY: all setup build cli run test vet clean bench bench-quick bench-profile bench-io container-test build-arm64 test-arm64 image-arm64

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

## test: setup, then gofmt, vet, staticcheck, the API and image-library checks, all tests, and -race (ci/test.sh)
test: setup
	bash ci/test.sh

## bench: setup, then zcnic vs dpdk-testpmd, S1-S4, S1L (S1 with --latency) and S1b (7 rounds), S6 and S7 (two processes each, 3 rounds), S5 (flow rules in software vs dpdk-test-acl, 3 rounds), S8 (latency through the forwarder at 10/50/90% load vs testpmd and a bare join, 3 rounds), S9 (loop stalls under a busy control plane vs a C floor, 3 rounds), S10 (1 and 2 forwarding lcores vs testpmd --nb-cores, 7 rounds: about 3 of the minutes; S8 about 3, S1L 1.5); about 28 minutes; results in out/bench
bench: setup cli
	$(GO) build -o bin/zcnic-bench ./bench/cmd/zcnic-bench
	$(GO) build -o bin/zcnic-stall ./bench/cmd/zcnic-stall
	$(GO) build -o bin/zcnic-ping ./bench/cmd/zcnic-ping
	./bin/zcnic-bench --zcnic bin/zcnic --out out/bench

## bench-quick: the same, 3 short rounds (about 7 minutes with S5, S8 and S10; results in out/bench-quick)
bench-quick: setup cli
	$(GO) build -o bin/zcnic-bench ./bench/cmd/zcnic-bench
	$(GO) build -o bin/zcnic-stall ./bench/cmd/zcnic-stall
	$(GO) build -o bin/zcnic-ping ./bench/cmd/zcnic-ping
	./bin/zcnic-bench --quick --zcnic bin/zcnic --out out/bench-quick

## bench-profile: setup, then perf profiles of both programs' forwarding CPU, S1-S3 (about 1 minute; results in out/bench-profile)
bench-profile: setup cli
	command -v perf >/dev/null || apt-get install -y linux-perf
	$(GO) build -o bin/zcnic-bench ./bench/cmd/zcnic-bench
	./bin/zcnic-bench --profile --warmup 2 --measure 5 --zcnic bin/zcnic --out out/bench-profile

## bench-io: zcnic vs dpdk-testpmd, io forwarding on a net_null pair, side by side
bench-io: setup
	bash bench/io-vs-testpmd.sh

## container-test: build docker/ images with podman, run the tests and the demo inside, with and without hugepages (root; slow)
container-test:
	bash ci/container-test.sh

## build-arm64: bin/zcnic-arm64 for linux/arm64 (a DPU's Arm cores), cross-built against an arm64 Debian 12 root made once (root; docs/arm64.md)
build-arm64:
	bash ci/arm64.sh build

## test-arm64: every package's tests built for arm64 and run under qemu-user in that root, the list printed (root; slow)
test-arm64:
	bash ci/arm64.sh test

## image-arm64: docker/Dockerfile's runtime image for linux/arm64 with podman, as localhost/zcnic-arm64 (root)
image-arm64:
	bash ci/arm64.sh image

## clean: drop build outputs and cached test results
clean:
	$(GO) clean -testcache
	rm -rf bin
