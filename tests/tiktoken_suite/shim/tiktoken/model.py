"""``tiktoken.model``: model name -> encoding."""

from streamtok import MODEL_PREFIX_TO_ENCODING, MODEL_TO_ENCODING, encoding_for_model, encoding_name_for_model

__all__ = ["MODEL_PREFIX_TO_ENCODING", "MODEL_TO_ENCODING", "encoding_for_model", "encoding_name_for_model"]
