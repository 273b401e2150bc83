"""Command-line interface: thin typer shells over the library."""
