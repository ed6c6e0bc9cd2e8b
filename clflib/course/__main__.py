"""``python -m clflib.course``: run the lessons, or print the README's lesson table."""

import sys

from clflib.course.runner import main

sys.exit(main())
