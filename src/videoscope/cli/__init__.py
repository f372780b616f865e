"""The ``videoscope`` command line: thin Typer shells over library functions."""
