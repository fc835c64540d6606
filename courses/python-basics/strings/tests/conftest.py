"""The learner's files are in the workspace, where the check runs: importable, after the standard library."""

import sys
from pathlib import Path

sys.path.append(str(Path.cwd()))
