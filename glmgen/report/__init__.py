"""Rendering of result records: tables as text, Markdown, HTML and LaTeX. No statistics are computed here."""
