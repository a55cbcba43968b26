"""``python -m chainrule``: the same command line as ``chainrule``."""

import sys

from .cli import main

sys.exit(main())
