# Sourced by docker/Dockerfile's build stages: when the image is built for
# another architecture than the build machine's (TARGETARCH, BUILDARCH,
# from --platform), point Go, cgo and pkg-config at that architecture's
# cross gcc and multiarch libraries. Natively it changes nothing.
if [ -n "${TARGETARCH:-}" ] && [ "${TARGETARCH}" != "${BUILDARCH:-}" ]; then
  case "$TARGETARCH" in
    amd64) ZCNIC_TRIPLET=x86_64-linux-gnu ;;
    arm64) ZCNIC_TRIPLET=aarch64-linux-gnu ;;
    *) echo "zcnic-cross-env: no cross set-up for $TARGETARCH" >&2; return 1 ;;
  esac
  export GOOS=linux GOARCH="$TARGETARCH" CC="$ZCNIC_TRIPLET-gcc"
  export PKG_CONFIG_LIBDIR="/usr/lib/$ZCNIC_TRIPLET/pkgconfig:/usr/share/pkgconfig"
  # Debian's arm64 libdpdk.pc asks for -moutline-atomics, which cgo
  # passes only when allowed.
  export CGO_CFLAGS_ALLOW='-moutline-atomics'
  unset GOAMD64
fi
