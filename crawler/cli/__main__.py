"""`python -m crawler.cli` is `news-archive` (used by tests to run the real CLI)."""

import sys

from crawler.cli import main

sys.exit(main())
