"""Each module registers its routes on import."""
from services.gateway.api import accounts, auth, contributions, employer, health, home, tasks, vouchers  # noqa: F401
