"""Django's PostgreSQL backend with date-times read by psycopg's C parser (base.py)."""
