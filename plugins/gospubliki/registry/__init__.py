"""The registry of institutions and their pages: link normalisation and CSV import."""
