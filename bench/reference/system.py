"""The reference the read path is measured against: the shape of Nameko's canonical example.

An HTTP gateway service (`GET /products/<id>`, no authentication) calls a `products` service
over RPC, which reads the product, a hash, from Redis. Nothing else: no token, no database, no
schema. `bench/read_path.py` starts one process of each:

    .venv/bin/python bench/reference/system.py products|gateway   # AMQP_URI, REDIS_URI, REF_HTTP_PORT

It needs the `redis` package (`.venv/bin/pip install -e ".[bench]"`) and a Redis server
(REDIS_URI, default redis://127.0.0.1:6379/0).
"""
import json
import os
import sys

from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http
from werkzeug.wrappers import Response

PRODUCT_KEY = "hpf-bench:products:{}"


class Redis(DependencyProvider):
    """One client (and its connection pool) per container, as the example's storage does."""

    def setup(self):
        import redis
        self.client = redis.Redis.from_url(self.container.config["REDIS_URI"], decode_responses=True)

    def get_dependency(self, worker_ctx):
        return self.client


class ProductsService:
    name = "products"

    redis = Redis()

    @rpc
    def get(self, product_id):
        product = self.redis.hgetall(PRODUCT_KEY.format(product_id))
        if not product:
            raise KeyError(product_id)
        return product


class ReferenceGateway:
    name = "reference_gateway"

    products = RpcProxy("products")

    @http("GET", "/products/<string:product_id>")
    def get_product(self, request, product_id):
        product = self.products.get(product_id)
        return Response(json.dumps(product), content_type="application/json")


def store_product(redis_uri, product_id):
    """The one product the benchmark reads."""
    import redis
    client = redis.Redis.from_url(redis_uri, decode_responses=True)
    client.hset(PRODUCT_KEY.format(product_id), mapping={
        "id": product_id, "title": "LZ129 Hindenburg", "passenger_capacity": "50",
        "maximum_speed": "135", "in_stock": "11"})
    client.close()


def main():
    from shared.green import monkey_patch
    monkey_patch()
    import logging
    from nameko.cli.run import run
    from shared.runner import LOG_FORMAT

    which = sys.argv[1]
    # the hall's log format and level, with logging's own defaults otherwise
    logging.basicConfig(level="INFO", stream=sys.stderr, format=LOG_FORMAT.format(service=which))
    config = {"AMQP_URI": os.environ["AMQP_URI"],
              "REDIS_URI": os.environ.get("REDIS_URI", "redis://127.0.0.1:6379/0"),
              "WEB_SERVER_ADDRESS": f"127.0.0.1:{os.environ.get('REF_HTTP_PORT', '8010')}",
              "serializer": "json", "max_workers": 20}
    run([{"products": ProductsService, "gateway": ReferenceGateway}[which]], config)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))  # the project
    main()
