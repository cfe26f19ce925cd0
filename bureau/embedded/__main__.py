"""`python -m bureau.embedded [run|start|stop|bench]` (the Makefile's `make run`)."""

import sys

from bureau.embedded.runner import main

raise SystemExit(main(sys.argv[1:]))
