"""Accounts service: member accounts and their batches."""
from nameko.rpc import rpc

from shared.db import Database


class AccountsService:
    name = "accounts"

    db = Database()

    @rpc
    def ping(self):
        return "ok"
