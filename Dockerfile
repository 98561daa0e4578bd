# The artifact fetcher: the image an environment's artifacts.fetcherImage defaults to
# (ghcr.io/modelops-gitops/modelops-fetcher:v<version>). The rendered init container runs
# `modelops fetch --uri URI --digest sha256:... --dest /mnt/models`; it writes only to the
# model volume and to TMPDIR=HOME=/tmp (an emptyDir), so it runs with readOnlyRootFilesystem.
#   docker build -t modelops-fetcher .
#   docker run --rm --read-only --tmpfs /tmp -v "$PWD/out:/mnt" modelops-fetcher \
#     fetch --uri s3://bucket/model/ --digest sha256:... --dest /mnt/models

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# What the wheel is built from (pyproject.toml's force-include: the built-in templates and policies).
COPY pyproject.toml README.md ./
COPY generator/ generator/
COPY templates/ templates/
COPY policies/ policies/
COPY examples/github-actions/modelops.yml examples/github-actions/modelops.yml
# pip compiles the .pyc files here, so nothing is written at run time.
RUN python -m venv /opt/modelops && /opt/modelops/bin/pip install '.[fetch]'

FROM python:3.12-slim
COPY --from=build /opt/modelops /opt/modelops
ENV PATH=/opt/modelops/bin:/usr/local/bin:/usr/bin:/bin \
    HOME=/tmp \
    TMPDIR=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /tmp
# Numeric, so that kubelet can check runAsNonRoot without reading /etc/passwd.
USER 65532:65532
ENTRYPOINT ["modelops"]
CMD ["--help"]
