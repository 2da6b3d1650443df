"""Open data: every dataset as CSV and JSON, with a licence, column descriptions and download counts."""
