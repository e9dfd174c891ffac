"""`python -m aelab ...` is the `aelab` command (aelab/command.py), for where its script is not on PATH."""

import sys

from aelab.command import main

sys.exit(main())
