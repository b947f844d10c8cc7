import sys

from socmap.cli import main

sys.exit(main())
