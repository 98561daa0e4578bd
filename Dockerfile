# The artifact fetcher image (environments' artifacts.fetcherImage default): runs as the
# init container `modelops fetch --uri URI --digest sha256:... --dest DIR`. It writes only to
# DEST and TMPDIR (mount an emptyDir at /tmp), so readOnlyRootFilesystem: true works.
FROM python:3.12-slim
COPY . /src
RUN pip install --no-cache-dir '/src[fetch]' && rm -rf /src
ENV TMPDIR=/tmp HOME=/tmp PYTHONDONTWRITEBYTECODE=1
USER 65532:65532
ENTRYPOINT ["modelops", "fetch"]
