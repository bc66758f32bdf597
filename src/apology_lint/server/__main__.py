"""``python -m apology_lint.server``: the language server, before (or without) the CLI."""

import sys

from . import main

sys.exit(main(sys.argv[1:]))
