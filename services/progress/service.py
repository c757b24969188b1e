"""Progress service: every asynchronous submission's latest snapshot."""
from nameko.rpc import rpc

from shared.db import Database


class ProgressService:
    name = "progress"

    db = Database()

    @rpc
    def ping(self):
        return "ok"
