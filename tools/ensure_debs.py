"""Install the Debian packages the kiosk needs, or say exactly how to.

``ensure_debs.py PKG...`` checks each package with dpkg-query; missing ones are installed with
apt-get when running as root, otherwise the exact command is printed and the exit status is 1.
``--venv-only`` checks only that ``python3 -m venv`` can work (Debian's python3-venv).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def missing(packages: list[str]) -> list[str]:
    if shutil.which("dpkg-query") is None:
        return []  # not Debian: the README lists what to install by hand
    absent = []
    for pkg in packages:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
        if "install ok installed" not in out.stdout:
            absent.append(pkg)
    return absent


def main(argv: list[str]) -> int:
    if argv[:1] == ["--venv-only"]:
        probe = subprocess.run([sys.executable, "-c", "import ensurepip, venv"], capture_output=True)
        packages = [] if probe.returncode == 0 else ["python3-venv"]
    else:
        packages = missing(argv)
    if not packages:
        return 0
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() != 0:
        print("Missing Debian packages. Install them with:\n  sudo apt-get update && sudo "
              + " ".join(command), file=sys.stderr)
        return 1
    print(f"Installing Debian packages: {' '.join(packages)}", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*command, "-qq"], check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
