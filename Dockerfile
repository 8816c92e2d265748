FROM python:3.11-slim-bookworm

# WeasyPrint's system libraries (Pango, HarfBuzz) and fonts that render every
# Vietnamese diacritic (Liberation Serif is metric-compatible with Times New Roman).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        libjpeg62-turbo libopenjp2-7 libffi8 \
        fonts-liberation fonts-dejavu-core shared-mime-info \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false
WORKDIR /app
COPY pyproject.toml README.md ./
COPY emulation emulation
COPY clusters clusters
COPY scoring scoring
COPY awards awards
RUN pip install --no-cache-dir .
COPY . .
# A throwaway random key: settings refuse a short or placeholder one with DEBUG=false.
RUN SECRET_KEY="$(python -c "import secrets; print(secrets.token_urlsafe(50))")" \
    python manage.py collectstatic --noinput

# The image sets PYTHONDONTWRITEBYTECODE, so nothing would ever cache the project's
# bytecode: every worker and command would compile every module at start-up (#17).
RUN python -m compileall -q emulation clusters scoring awards manage.py

RUN useradd --create-home thidua && mkdir -p /app/media && chown thidua /app/media
USER thidua
EXPOSE 8000
# gunicorn reads its worker count from WEB_CONCURRENCY: one sync worker per core.
ENV WEB_CONCURRENCY=2
CMD ["gunicorn", "emulation.wsgi:application", "--bind", "0.0.0.0:8000"]
