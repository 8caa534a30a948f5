#!/usr/bin/env bash
# System libraries the PyQt5 wheel needs to open a window on an X display
# (Debian/Ubuntu). Offscreen use (tests, CI) needs none of them.
# Pass --xvfb to also install a virtual X server for screenshots.
set -euo pipefail
packages=(libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libxcb-image0 libxcb-render-util0
          libxkbcommon-x11-0 libxcb-randr0 libxcb-shape0 libxcb-xfixes0 libgl1 libegl1 libfontconfig1 libdbus-1-3)
if [[ "${1:-}" == "--xvfb" ]]; then
    packages+=(xvfb)
fi
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${packages[@]}"
