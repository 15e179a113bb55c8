# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip.py script that ansible-test downloads to bootstrap pip in its venvs.

ansible-test fetches get-pip from ci-files.testing.ansible.com, which this project's CI cannot
reach; it first looks in ~/.ansible/test/cache/get_pip_<version>.py. tools/sanity copies this
file there. It installs pip with ensurepip, then lets that pip install what get-pip was asked for.
"""

import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    """Bootstrap pip the offline way, then install the requested packages with it."""
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], check=True, stdout=subprocess.DEVNULL)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.run([sys.executable, "-m", "pip", "install", "--upgrade", *args], check=True)


if __name__ == "__main__":
    main()
