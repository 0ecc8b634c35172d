FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e .
COPY . .
RUN QUANFU_ENV=production ALLOWED_HOSTS=build \
    SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnop \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "quanfu.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
