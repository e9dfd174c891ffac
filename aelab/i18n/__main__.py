"""`python -m aelab.i18n update|compile|check` (see `aelab.i18n.catalogues`)."""

import sys

from aelab.i18n.catalogues import main

sys.exit(main())
