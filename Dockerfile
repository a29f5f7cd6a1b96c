# dialist: one image for API nodes (`dialist serve`) and admin commands.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && useradd --system --home /app dialist

USER dialist
EXPOSE 8000
# Graceful shutdown: SIGTERM lets requests in flight finish (Granian).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
CMD ["dialist", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
