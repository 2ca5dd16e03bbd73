"""The ``feedback-nlp`` command line: a thin shell over the library."""
