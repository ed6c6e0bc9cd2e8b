"""Sphinx configuration of the course website (``make book``; see clflib/course/book.py).

Sphinx + MyST-NB + the Sphinx Book Theme: every asset comes with the PyPI packages, so the site
builds without the network, and nothing here makes a page load anything from one.
"""

import sys
from pathlib import Path

project = "Fine-tuning text classifiers with Hugging Face"
author = "the course's authors"
copyright = "the course's authors, Apache-2.0"

extensions = ["myst_nb"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# Notebooks are shown as committed: the reference runs with their outputs, exercises without.
nb_execution_mode = "off"
nb_ipywidgets_js = {}  # widget views are dropped from the references; no widget script from a CDN
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # notebooks start at "#", some README sections skip a level

# Formulas become MathML at build time (book/mathml.py, with latex2mathml): browsers render it
# natively, so no page loads MathJax or a web font.
sys.path.insert(0, str(Path(__file__).parent))
extensions.append("mathml")
html_math_renderer = "mathml"

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
}
html_show_sourcelink = False
# The theme's light/dark switch reads this; without it the first page logs "invalid theme mode".
html_context = {"default_mode": "light"}
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"  # without one, every browser asks the host for /favicon.ico
