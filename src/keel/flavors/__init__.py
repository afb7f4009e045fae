"""One module per ML library: ``save_model``, ``log_model``, ``load_model`` and ``_load_pyfunc``."""
