"""Each module registers its routes on import."""
from services.gateway.api import accounts, auth, employer, health, home, tasks, vouchers  # noqa: F401
