# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the lab's command line: python -m tplab --help (with tests/lab on PYTHONPATH)."""

from tplab.cli import main

raise SystemExit(main())
