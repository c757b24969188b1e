"""Each module registers its routes on import."""
from services.gateway.api import accounts, auth, employer, health, vouchers  # noqa: F401
