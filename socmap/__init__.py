"""The ``socmap`` command line: a thin layer over :mod:`geo` and :mod:`dashboard`."""
