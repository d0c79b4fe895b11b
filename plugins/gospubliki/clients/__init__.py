"""Pure-Python API clients (no Airflow imports): VK, OK, Telegram."""
