#!/usr/bin/env bash
# Air-gapped GPU hosts (cluster GPU nodes, lent machines without a package registry) have CUDA, CMake and a
# compiler but none of memcarlo's small Debian dependencies. This carries them:
#   tools/bundle_debs.sh download [DIR]   on a machine that reaches Debian's archive: fetch the .debs (~2 MB)
#   tools/bundle_debs.sh unpack DIR PREFIX on the GPU host: unpack them into PREFIX (never into /)
#   tools/bundle_debs.sh build PREFIX      configure and build against PREFIX, CUDA on (architectures 80;90;100-real;120-real)
# Then run with LD_LIBRARY_PATH=PREFIX/usr/lib/x86_64-linux-gnu (printed by `build`). Built for Debian 12
# (glibc 2.36); a host with a newer glibc runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(libyaml-cpp-dev libyaml-cpp0.7 librandom123-dev libcli11-dev nlohmann-json3-dev libfmt-dev libfmt9
          libgtest-dev googletest libbenchmark-dev libbenchmark1debian)

case "${1:-}" in
  download)
    dir=${2:-.debs}
    mkdir -p "$dir"
    (cd "$dir" && apt-get download "${PACKAGES[@]}")
    du -sh "$dir"
    ;;
  unpack)
    [ $# -eq 3 ] || { echo "usage: tools/bundle_debs.sh unpack DIR PREFIX" >&2; exit 2; }
    [ "$3" != / ] || { echo "refusing to unpack into /" >&2; exit 2; }
    mkdir -p "$3"
    for f in "$2"/*.deb; do dpkg -x "$f" "$3"; done
    echo "unpacked $(ls "$2"/*.deb | wc -l) packages into $3"
    ;;
  build)
    [ $# -eq 2 ] || { echo "usage: tools/bundle_debs.sh build PREFIX" >&2; exit 2; }
    prefix=$(cd "$2" && pwd)
    nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
    cmake -S . -B build -G "$(command -v ninja >/dev/null && echo Ninja || echo 'Unix Makefiles')" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$prefix/usr" -DCMAKE_CUDA_COMPILER="$nvcc" -DMC_ENABLE_CUDA=ON >/dev/null
    cmake --build build -j "$(nproc)"
    echo "export LD_LIBRARY_PATH=$prefix/usr/lib/x86_64-linux-gnu:\${LD_LIBRARY_PATH:-}"
    ;;
  *) echo "usage: tools/bundle_debs.sh download [DIR] | unpack DIR PREFIX | build PREFIX" >&2; exit 2 ;;
esac
