"""Where the repository is, for the tools' default input and output paths (fixtures/...)."""
from pathlib import Path

# tools/denoise_tools/repo.py -> the repository root
REPO_ROOT = Path(__file__).resolve().parents[2]
