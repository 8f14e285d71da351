"""`python -m newsterm`."""

import sys

from newsterm.launch import main

# The guard matters: parser worker processes import the main module again.
if __name__ == "__main__":
    sys.exit(main())
