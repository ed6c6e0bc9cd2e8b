"""Formulas as MathML, written at build time (a local Sphinx extension of the course website).

latex2mathml turns each formula's LaTeX into MathML, which browsers render natively: no MathJax,
no script, no web font, nothing fetched when a page opens. Each formula sits in a ``math``-classed
element, so the site check can tell a converted formula from one left as TeX.
"""

from docutils import nodes
from latex2mathml.converter import convert


def _inline(self, node: nodes.Element) -> None:
    self.body.append(f'<span class="math">{convert(node.astext())}</span>')
    raise nodes.SkipNode


def _block(self, node: nodes.Element) -> None:
    self.body.append(f'<div class="math">{convert(node.astext(), display="block")}</div>')
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (_inline, None), (_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
