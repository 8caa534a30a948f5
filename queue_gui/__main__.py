"""``python -m queue_gui`` is the same as ``queue-gui``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
