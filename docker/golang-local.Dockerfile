# A local stand-in for the public golang:1.26-bookworm image, for machines
# that reach no image registry (ci/container-test.sh builds it only when
# GO_IMAGE is not there already). It lays the host's own Go toolchain out
# the way the official image does: GOROOT /usr/local/go, GOPATH /go.
#
# The build context is the host's GOROOT (`go env GOROOT`):
#   podman build -f docker/golang-local.Dockerfile \
#     --build-arg BASE_IMAGE=localhost/debian:bookworm \
#     -t localhost/golang:1.26-bookworm "$(go env GOROOT)"
ARG BASE_IMAGE=debian:bookworm
FROM ${BASE_IMAGE}
COPY . /usr/local/go
ENV GOPATH=/go \
    GOTOOLCHAIN=local \
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /go/bin /go/src && go version
WORKDIR /go
