"""Reports for people: console tables, rating exports (XLSX/CSV/HTML/PNG)."""
