# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false
# Pango + HarfBuzz subsetting + CJK fonts for WeasyPrint (without
# libharfbuzz-subset0 a Chinese page takes seconds instead of ~0.2 s).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    fonts-noto-cjk gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY trainingweek ./trainingweek
COPY programs ./programs
COPY scoring ./scoring
COPY stipends ./stipends
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs some settings at build time only; real ones come at run time.
RUN SECRET_KEY=build FIELD_ENCRYPTION_KEY=dGhpcy1pcy1hLWJ1aWxkLXRpbWUta2V5LW9ubHktMDE= FIELD_HASH_KEY=build \
    python manage.py collectstatic --noinput -v 0 && python manage.py compilemessages -v 0

RUN useradd --system --home /app app && mkdir -p /app/var/media && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "trainingweek.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
