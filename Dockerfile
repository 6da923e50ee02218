# syncwatch: scheduler (default command) and dashboard from one image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 10001 --user-group syncwatch
WORKDIR /opt/syncwatch

COPY constraints.txt pyproject.toml README.md ./
COPY core ./core
COPY syncwatch ./syncwatch
COPY collectors ./collectors
COPY metrics ./metrics
COPY alerts ./alerts
COPY app ./app
COPY sandbox ./sandbox
COPY sql ./sql
RUN pip install -c constraints.txt . && rm -rf /root/.cache

USER syncwatch
ENV SYNCWATCH_CONFIG=/etc/syncwatch/syncwatch.yaml
EXPOSE 8501 9108

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9108/healthz', timeout=4).status == 200 else 1)"

CMD ["syncwatch", "run"]
