"""clflib: the tested helpers of the course "Fine-tuning text classifiers with Hugging Face".

One module per idea; each lesson shows an idea once in plain transformers/torch code, then
uses the helper from here.

>>> import clflib
>>> clflib.__version__
'0.1.0'
"""

from clflib.environment import setup

__version__ = "0.1.0"
__all__ = ["setup", "__version__"]
