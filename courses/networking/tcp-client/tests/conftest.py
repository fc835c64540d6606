"""The learner's files are in the workspace, one level up: importable, after the standard library."""

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))
