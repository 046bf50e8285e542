"""A stand-in for tiktoken that is streamtok: put its folder first on PYTHONPATH and code (or
tiktoken's own tests) that imports tiktoken runs on streamtok. Only tiktoken's test suite uses it
(run.sh); applications import streamtok."""

from streamtok import Encoding, encoding_for_model, encoding_name_for_model, get_encoding, list_encoding_names

# The tiktoken release whose API and tests the shim stands for.
__version__ = "0.14.0"

__all__ = ["Encoding", "encoding_for_model", "encoding_name_for_model", "get_encoding", "list_encoding_names"]
