# The bot as a container: python -m bot on $PORT (3978), non-root, with a
# health check against /healthz. Configure it with the environment variables
# in the README (DATABASE_URL, FORUM_CONFIG, MICROSOFT_APP_*).

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cards ./cards
COPY storage ./storage
RUN pip install --no-cache-dir --no-compile --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3978
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --create-home --home-dir /app forumbot \
    && mkdir -p /app/data && chown forumbot:forumbot /app/data
WORKDIR /app
USER forumbot
# SQLite (the default) keeps its file in /app/data: mount a volume there,
# or set DATABASE_URL to PostgreSQL in production.
VOLUME ["/app/data"]
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3978') + '/healthz', timeout=4)"]
CMD ["python", "-m", "bot"]
